"""The export scenario of the benchmark (`bench/run.py --only export`): the
time the background worker takes to write the long exports of the seeded
data, in CSV and XLSX, the way a worker writes them (reporting.services.
export_job_build, called in this process: no broker, no queue wait).

Measured, as the scholarship administrator of the benchmark (bench-office),
on the seeded applications (about 100,000):

- `scholarships.application_list`: the staff list's export, unfiltered (every
  application, drafts included), pseudonymised;
- `scholarships.applications`: the report's row-level export (the submitted
  applications), pseudonymised.

Each job is deleted with its file afterwards; the read log keeps its rows."""

import time

KINDS = (
    ("scholarships.application_list", "staff application list, unfiltered"),
    ("scholarships.applications", "report rows: submitted applications"),
)
FORMATS = ("csv", "xlsx")


def run_export(*, log=print, kinds=KINDS, formats=FORMATS) -> list[dict]:
    """One build per data set and format; Django must be set up."""
    from django.contrib.auth import get_user_model

    from reporting.models import ExportJob
    from reporting.services import export_job_build

    user = get_user_model().objects.get(username="bench-office")
    results = []
    for kind, what in kinds:
        for fmt in formats:
            job = ExportJob.objects.create(user=user, kind=kind, format=fmt, params={})
            started = time.monotonic()
            status = export_job_build(job_id=job.pk)
            seconds = time.monotonic() - started
            job.refresh_from_db()
            size = job.file.size if job.file else 0
            result = {"kind": kind, "what": what, "format": fmt, "status": status,
                      "rows": job.rows_done, "seconds": seconds, "bytes": size,
                      "rows_per_s": job.rows_done / seconds if seconds else 0.0}
            log(f"export {kind} {fmt}: {status}, {job.rows_done:,} rows in {seconds:.1f} s "
                f"({result['rows_per_s']:,.0f} rows/s, {size / 1e6:.1f} MB)")
            if job.file:
                job.file.delete(save=False)
            job.delete()
            results.append(result)
    return results


def export_section(results: list[dict]) -> str:
    """The section bench/run.py appends to bench/RESULTS.md."""
    lines = [
        "## Long exports (background worker)",
        "",
        "`bench/run.py --only export` (bench/export.py): the worker's build of an export "
        "job (reporting.services.export_job_build), in-process, as the scholarship "
        "administrator; pseudonymised; the file written to private storage.",
        "",
        "| data set | format | rows | seconds | rows/s | file |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['what']} (`{r['kind']}`) | {r['format'].upper()} | {r['rows']:,} "
                     f"| {r['seconds']:.1f} | {r['rows_per_s']:,.0f} "
                     f"| {r['bytes'] / 1e6:.1f} MB |")
    return "\n".join(lines) + "\n"
