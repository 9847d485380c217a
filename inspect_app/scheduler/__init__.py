"""Scheduled work: one dedicated scheduler process runs a few periodic jobs.

``flask --app wsgi scheduler run`` starts a ``BlockingScheduler``
(:mod:`.setup`) with Asia/Shanghai time and ``job_defaults`` coalesce,
max_instances=1 and a misfire grace of an hour; web workers never start one
(gunicorn imports ``wsgi:app``, which creates no scheduler). Each job
(:mod:`.jobs`) claims its due rows in our own tables with a conditional
statement — ``UPDATE … WHERE <still due>`` or an insert of a row with a
unique key — so that two schedulers started by mistake still do each thing
once. Every run is recorded (:mod:`.runs`, table ``scheduler_run``) and
listed for admins at ``/admin/scheduler``.

The job store is APScheduler's memory store, on purpose: the jobs are fixed
in code (ids, triggers), what is due lives in our tables, and every job runs
once when the scheduler starts, so a restart loses nothing that a persistent
store would keep. A shared SQLAlchemy job store would not stop a second
scheduler from running every job again either (each process runs what it
reads), and it would add a table outside our migrations.

``flask --app wsgi scheduler run-once JOB [--today DATE]`` runs one job now
(operators, tests); ``flask --app wsgi scheduler jobs`` lists them.
"""
