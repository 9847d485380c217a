"""Background work of the draw ceremony, outside the web request.

A job is a ``draw_job`` row (kinds ``freeze`` and ``draw``); registry
imports (``import_job``) and documents rendered in the background
(``document``, :mod:`.documents`) are claimed and run the same way. Whoever runs it
first claims it with a conditional update (``pending`` → ``running``; exactly
one claimant wins, on SQLite and PostgreSQL alike), beats a heartbeat every
few seconds from a thread, reports progress (stage, done, total) in short
separate transactions, and writes the result together with ``state='done'``
in one final transaction. A worker that dies leaves a ``running`` job whose
heartbeat goes stale; the planner (or ``flask draws work``) re-queues it as a
new attempt, which starts again from the stored documents.

Workers: the web request starts ``python -m inspect_app.jobs --job ID`` as a
detached subprocess (:mod:`.launcher`); ``flask --app wsgi draws work`` is a
long-running worker that also picks up anything left pending or stale (run it
under systemd in production; see docs/workflow.md). While idle it also
reveals the draws that are due (``services/draw_reveal.reveal_due``, at most
once a minute) until the scheduler of the documents and jobs issue takes
that over. Web workers never run a scheduler.
"""
