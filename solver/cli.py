"""Command line: ``python -m solver draw|verify|digest``.

Exit status: 0 success (verified), 1 not verified (the first discrepancy is
printed, e.g. a value the register published that the documents contradict),
2 bad input or usage (the message names the file, the JSON path and the
reason: unreadable or malformed JSON, a duplicate key, nesting deeper than
:data:`solver.jsontext.MAX_DEPTH` levels, an invalid instance or register
file, a malformed digest option).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections import Counter
from pathlib import Path

from solver import messages, reason_text
from solver import published as register
from solver.canonical import canonical_json, commitment, result_digest
from solver.draw import FORMAT_2, OUTCOME_FORMAT, OUTCOME_FORMATS, department_names, draw
from solver.errors import InputError, VerificationFailed
from solver.instance import load_document, load_instance
from solver.progress import NullProgress, StageTimer, StderrProgress
from solver.verify import verify_outcome


def _progress(args: argparse.Namespace):
    if args.progress or (args.progress is None and sys.stderr.isatty()):
        return StderrProgress()
    return NullProgress()


def write_outcome(path: str, outcome: dict) -> None:
    """The outcome file: its canonical JSON followed by one newline."""
    try:
        Path(path).write_bytes(canonical_json(outcome) + b"\n")
    except OSError as error:
        raise InputError(messages.file_unwritable(path, error.strerror or str(error))) from None


def _summary(result, timer: StageTimer, output: str, compare: bool, workers: int) -> list[str]:
    instance, sampling, staffing = result.instance, result.sampling, result.staffing
    stats = result.stats()
    policy = "coordinated" if sampling.coordinated else "independent"
    lines = [messages.summary_header(instance.draw_id, policy),
             messages.summary_sampling(len(instance.tasks), sampling.sampled, sampling.entities)]
    if sampling.coordinated:
        lines.append(messages.summary_expected_independent(sampling.expected_independent,
                                                           sampling.entities))
    if compare:
        from solver.draw import compare_policies

        comparison = compare_policies(instance, workers=workers)
        lines.append(messages.summary_compared(comparison.independent.entities,
                                               comparison.independent.joint,
                                               comparison.coordinated.entities))
    lines += [messages.summary_empty_task(t.task) for t in sampling.tasks if not t.usccs]
    lines.append(messages.summary_visits(stats["visits"], stats["joint_visits"],
                                         stats["unfilled"]))
    if staffing.unfilled:
        lines.append(messages.summary_unfilled_header())
        names = department_names(instance)
        reasons = Counter(reason_text.render(r.document(), names) for r in staffing.unfilled.values())
        for reason, count in sorted(reasons.items(), key=lambda rc: (-rc[1], rc[0])):
            lines.append(messages.summary_unfilled_reason(count, reason))
    lines.append(messages.summary_loads(stats["load_min"], stats["load_max"], len(result.loads)))
    lines.append(messages.summary_timings(timer.timings))
    lines.append(messages.summary_written(output))
    return lines


def _draw(args: argparse.Namespace) -> int:
    timer = StageTimer(_progress(args))
    instance = load_instance(args.instance, timer, args.workers)
    result = draw(instance, timer, workers=args.workers, outcome_format=args.format)
    timer.stage("write")
    write_outcome(args.output, result.outcome())
    timer.done()
    print("\n".join(_summary(result, timer, args.output, args.compare, args.workers)))
    return 0


def _published(args: argparse.Namespace) -> list[register.Published]:
    """The register's values given: the register file's, then the options'."""
    values = register.read_register(args.register) if args.register else []
    for name, option in register.OPTIONS.items():
        given = getattr(args, name)
        if given is not None:
            values.append(register.Published(name, register.hex_option(option, given), option))
    return values


def _computed(instance, outcome: dict, published: list[register.Published]) -> dict[str, tuple[str, str]]:
    """What the documents give for each published value (the outcome's
    digest only if it was published: its canonical form takes a fraction of a
    second at a province)."""
    values = {"code": (instance.draw_id, "the instance's draw_id"),
              "external_entropy": (instance.external_entropy, "the instance"),
              "input_digest": (instance.input_digest.hex(), "the instance")}
    if any(p.name == "result_digest" for p in published):
        values["result_digest"] = (result_digest(outcome).hex(), "the outcome")
    if instance.frozen_digest is not None:
        values["frozen_digest"] = (instance.frozen_digest.hex(), "the instance")
    if instance.secret is not None:  # without it the re-verification names the problem
        values["commitment"] = (commitment(instance.secret).hex(), "the instance's secret")
    return values


def _verify(args: argparse.Namespace) -> int:
    progress = _progress(args)
    published = _published(args)  # bad options or register file: exit 2 before the long work
    instance = load_instance(args.instance, progress, args.workers)
    outcome = load_document(args.outcome)
    difference = register.first_difference(published, _computed(instance, outcome, published))
    if difference:
        print(messages.not_verified(difference))
        return 1
    try:
        verify_outcome(instance, outcome, progress, workers=args.workers)
    except VerificationFailed as failure:
        print(messages.not_verified(str(failure)))
        return 1
    print(messages.verified(instance.draw_id, len(outcome["visits"]), len(outcome["unfilled"])))
    names = [name for name in register.COMPARED if any(p.name == name for p in published)]
    if names:
        print(messages.compared_with_register(names))
    if args.register:
        missing = [name for name in register.DIGESTS if name not in names]
        if missing:
            print(messages.not_in_register(missing), file=sys.stderr)
    if not any(name in register.DIGESTS for name in names):
        print(messages.not_compared_with_register(), file=sys.stderr)
    return 0


def _digest(args: argparse.Namespace) -> int:
    instance = load_instance(args.instance, _progress(args), args.workers)
    secret = instance.secret
    print(messages.digest_lines(instance.input_digest.hex(),
                                None if secret is None else commitment(secret).hex()))
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="python -m solver",
        description="Verifiable random draw of entities and inspection teams (双随机、一公开).")
    commands = main_parser.add_subparsers(dest="command", required=True)
    draw_parser = commands.add_parser("draw", help="draw an instance and write the outcome")
    draw_parser.add_argument("instance", help="instance document (inspect-draw/1)")
    draw_parser.add_argument("-o", "--output", required=True, help="outcome file to write")
    draw_parser.add_argument("--compare", action="store_true",
                             help="also sample independently and report the visits it would need")
    draw_parser.add_argument("--format", choices=OUTCOME_FORMATS[1:], default=OUTCOME_FORMAT,
                             help=f"outcome format and its team rule (default {OUTCOME_FORMAT}; "
                                  f"{FORMAT_2}: every eligible inspector a candidate, to compare)")
    verify_parser = commands.add_parser("verify", help="check an outcome against its instance")
    verify_parser.add_argument("instance")
    verify_parser.add_argument("outcome")
    verify_parser.add_argument("--register", metavar="REGISTER.json",
                               help="the draw's register file (inspect-register/1, from the public "
                                    "register): its published values must match the documents")
    for name, option in register.OPTIONS.items():
        verify_parser.add_argument(option, dest=name, metavar="HEX",
                                   help=f"the {name} the register published (must match)")
    digest_parser = commands.add_parser("digest", help="print the input digest and commitment")
    digest_parser.add_argument("instance")
    for sub in (draw_parser, verify_parser, digest_parser):
        sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="progress on stderr (default: when stderr is a terminal)")
    for sub in (draw_parser, verify_parser, digest_parser):
        sub.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                         help="processes hashing a large registry (default: 2 if there are 2 cores)")
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    gc.disable()  # a batch run builds millions of acyclic objects; collection only costs time
    handler = {"draw": _draw, "verify": _verify, "digest": _digest}[args.command]
    try:
        return handler(args)
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
