"""Rendering time of the documents (issue 11): a results bulletin of
``--rows`` entities (default 200, each with two items) and an inspection
notice, through the app's own renderer (``services/documents/render.py``:
the templates, the print stylesheet, WeasyPrint with Noto CJK SC), each
``--repeat`` times after one warm-up; pages, PDF size and the process's peak
RSS. The data is synthetic and built in memory (the shape of
``bulletin.data`` and ``notice.data``); the database is not involved (the
cache hit is one row read).

    nice .venv/bin/python bench/bench_documents.py
    nice .venv/bin/python bench/bench_documents.py --rows 800 --repeat 1

Writes ``bench/out/documents.json`` and prints a Markdown table for
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RARE = "䶮龑堃喆𬌗"


def bulletin_data(rows: int) -> dict:
    from inspect_app.services.uscc import with_check_character

    entries = []
    for n in range(1, rows + 1):
        name = f"福清市{RARE[n % len(RARE)]}测试{n}号餐饮有限公司" if n % 7 else f"福清市＊＊{n}号小吃店"
        entries.append({"n": n, "name": name, "uscc": with_check_character(f"91350181MA{n:07d}"),
                        "completed_on": f"2030-03-{1 + n % 28:02d}",
                        "items": [{"name": "食品经营许可", "result": "未发现问题" if n % 9 else
                                   "发现问题待后续处理：未按规定公示应当公示的信息"},
                                  {"name": "企业公示信息", "result": "未发现问题"}],
                        "correction": "更正完成日期" if n % 50 == 0 else "", "revision": 2 if n % 50 == 0 else 1})
    return {"title": "市场监督管理局2030年度第1号抽查任务检查结果公告", "number": "榕市监〔2030〕1号 · T1",
            "task": {"code": "T1", "name": "食品经营抽查", "type": "定向抽查"},
            "plan": {"number": "榕市监〔2030〕1号", "name": "2030年度双随机抽查计划", "year": 2030},
            "authority": "市场监督管理局", "window": "2030年3月1日至2030年3月29日", "count": rows,
            "last_completed": "2030年3月28日", "rows": entries}


def notice_data() -> dict:
    from inspect_app.services.documents.notice import qr_data_uri

    url = "https://inspect.example.gov.cn/c/W4SCJQPYMFVAYZN6F2SJY6B6YARV"
    return {
        "title": "检查通知书", "number": "D2030-0001-V00008", "issuer": "市场监督管理局、城市管理局",
        "entity": {"name": f"福清市{RARE}餐饮有限公司", "uscc": "91350181MA00000038", "address": "福清市玉屏街道某路1号",
                   "district": "玉屏街道"},
        "day": "2030年3月22日（星期五）", "joint": True, "plan": {"number": "榕市监〔2030〕1号", "name": "2030年度双随机抽查计划"},
        "tasks": [{"code": "T2", "name": "市场与城管联合抽查", "type": "不定向抽查", "department": "市场监督管理局",
                   "items": [{"code": "SCJG-02", "name": "企业公示信息", "department": "市场监督管理局",
                              "legal_basis": "《企业信息公示暂行条例》第十四条", "content": "", "method": "现场检查"},
                             {"code": "CGJ-01", "name": "门前三包", "department": "城市管理局",
                              "legal_basis": "《城市市容和环境卫生管理条例》第二十一条", "content": "", "method": "现场检查"}]}],
        "team": [{"name": "张三", "certificate_no": "CSCJG5", "department": "市场监督管理局", "lead": True},
                 {"name": "李四", "certificate_no": "CCGJ2", "department": "城市管理局", "lead": False}],
        "code": {"value": "W4SC JQPY MFVA YZN6 F2SJ Y6B6 YARV", "url": url, "qr": qr_data_uri(url)},
        "contacts": [{"department": "市场监督管理局", "phone": "0591-12345"}, {"department": "城市管理局", "phone": "0591-54321"}],
        "issued_on": "2030年2月1日",
    }


def measure(template: str, data: dict, repeat: int) -> dict:
    from inspect_app.services.documents.render import render_pdf

    render_pdf(template, data)  # warm-up (fonts loaded once per process)
    times, cpu, last = [], [], None
    for _ in range(repeat):
        started = time.process_time()
        last = render_pdf(template, data)
        cpu.append(time.process_time() - started)
        times.append(last.seconds)
    return {"template": template, "median_s": round(statistics.median(times), 2),
            "cpu_s": round(statistics.median(cpu), 2), "min_s": round(min(times), 2),
            "max_s": round(max(times), 2), "pages": last.pages, "bytes": len(last.pdf),
            "s_per_page": round(statistics.median(times) / last.pages, 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from inspect_app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": "sqlite://"})
    with app.app_context():
        results = [dict(measure("notice.html", notice_data(), args.repeat), document="notice"),
                   dict(measure("bulletin.html", bulletin_data(args.rows), args.repeat),
                        document=f"bulletin, {args.rows} rows")]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"machine": platform.platform(), "python": platform.python_version(), "repeat": args.repeat,
           "peak_rss_mib": round(peak_mib), "results": results}
    folder = ROOT / "bench" / "out"
    folder.mkdir(exist_ok=True)
    (folder / "documents.json").write_text(json.dumps(out, ensure_ascii=False, indent=2))
    print("| document | pages | wall median s | min–max s | CPU s | wall s/page | PDF KiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['document']} | {r['pages']} | {r['median_s']} | {r['min_s']}–{r['max_s']} | {r['cpu_s']} "
              f"| {r['s_per_page']} | {r['bytes'] // 1024} |")
    print(f"\npeak RSS {out['peak_rss_mib']} MiB (the whole process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
