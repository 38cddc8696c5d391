"""Issuing to a batch of learners from a CSV file, with progress and a result for every row.

Upload: every row is checked first (:mod:`.registrar_csv`) and the registrar sees which rows are
ready and what is wrong with the others. Start: the ready rows are issued one by one by a task of
the web app, each through :func:`.registrar_issuing.issue_to`, so each row ends ``done`` (with its
link, QR code and e-mail text) or ``failed`` with a reason; a failed row gave no link to anyone,
so nothing reported failed can be claimed later. The page polls the batch's progress (htmx); the
batch lives as long as the web app, so reloading the page finds it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import uuid
import weakref
from dataclasses import dataclass, field

from aiohttp import web

from .agent_calls import AgentApi, AgentCallError
from .app_keys import agent_api
from .error_pages import error_page
from .page_rendering import page
from .qr_codes import qr_code
from .registrar_csv import MAX_BYTES, CsvRefused, Row, read_batch
from .registrar_issuing import Handover, college_name, credential_types, issue_to
from .sign_in import requires

LOGGER = logging.getLogger(__name__)
ROLE = "registrar"
MAX_BATCHES = 50  # kept per web app; the oldest finished ones go first

WAITING, ISSUING, DONE, FAILED, NOT_ISSUED = "waiting", "issuing", "done", "failed", "not issued"


@dataclass
class BatchRow:
    """A row and where its issuance stands."""

    row: Row
    state: str
    reason: str = ""
    handover: Handover | None = None


@dataclass
class Batch:
    """One uploaded file: ``checked`` until started, then ``running``, then ``finished``."""

    batch_id: str
    file_name: str
    rows: list[BatchRow]
    state: str = "checked"
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def count(self, *states: str) -> int:
        """Rows in any of ``states``."""
        return sum(1 for r in self.rows if r.state in states)

    @property
    def ready(self) -> int:
        """Rows that can be (or are being, or were) issued."""
        return sum(1 for r in self.rows if r.state != NOT_ISSUED)


_BATCHES: weakref.WeakKeyDictionary[web.Application, dict[str, Batch]] = weakref.WeakKeyDictionary()


def _batches(app: web.Application) -> dict[str, Batch]:
    return _BATCHES.setdefault(app, {})


def _keep(app: web.Application, batch: Batch) -> None:
    batches = _batches(app)
    while len(batches) >= MAX_BATCHES:
        old = next((b for b in batches.values() if b.state != "running"), None)
        if old is None:
            raise web.HTTPServiceUnavailable()
        del batches[old.batch_id]
    batches[batch.batch_id] = batch


def _batch(request: web.Request) -> Batch:
    batch = _batches(request.app).get(request.match_info["batch_id"])
    if batch is None:
        raise web.HTTPNotFound()
    return batch


async def _run(batch: Batch, college: AgentApi, college_label: str) -> None:
    """Issue each ready row once; every row ends done or failed with a reason."""
    try:
        for item in batch.rows:
            if item.state != WAITING:
                continue
            item.state = ISSUING
            row = item.row
            assert row.credential_type is not None
            try:
                item.handover = await issue_to(
                    college, college_label, row.credential_type, row.name, row.email, row.levels
                )
                item.state = DONE
            except AgentCallError as exc:
                item.state, item.reason = FAILED, _why(exc)
            except Exception:
                LOGGER.exception("issuing row %s of batch %s", row.number, batch.batch_id)
                item.state, item.reason = FAILED, "Something went wrong on our side."
    finally:
        for item in batch.rows:  # cancelled (the web app stops): say so, never leave it open
            if item.state in (WAITING, ISSUING):
                item.state, item.reason = FAILED, "The web app stopped before this row."
        batch.state = "finished"


def _why(exc: AgentCallError) -> str:
    if exc.status == 0:
        return "The college's agent did not answer, so no link was made. Issue this row again."
    return f"The college's agent refused it: {exc.message}"


async def _upload_page(
    request: web.Request,
    errors: dict[str, str] | None = None,
    status: int = 200,
    chosen: str = "",
) -> web.Response:
    types = await credential_types(agent_api(request, ROLE))
    batches = sorted(_batches(request.app).values(), key=lambda b: b.batch_id)
    return await page(
        request,
        "registrar_batch_upload.html",
        {
            "types": types,
            "errors": errors or {},
            "chosen": chosen,
            "batches": batches,
            "max_kb": MAX_BYTES // 1024,
        },
        status=status,
    )


@requires(ROLE)
async def upload_form(request: web.Request) -> web.Response:
    """The page to upload a CSV file of learners."""
    return await _upload_page(request)


@requires(ROLE)
async def upload(request: web.Request) -> web.Response:
    """Check every row of the file; show the result before anything is issued."""
    posted = await request.post()
    chosen_id = str(posted.get("type_id", ""))
    upload_file = posted.get("file")
    data = upload_file.file.read(MAX_BYTES + 1) if isinstance(upload_file, web.FileField) else b""
    if not isinstance(upload_file, web.FileField) or not (upload_file.filename or data):
        errors = {"file": "Choose a CSV file of learners"}
        return await _upload_page(request, errors, 400, chosen_id)
    if len(data) > MAX_BYTES:
        return await error_page(
            request,
            413,
            "The file is too large",
            [
                f"A file of learners is at most {MAX_BYTES // 1024} KB (about 500 learners). "
                "Split it in parts and upload each part.",
                "Nothing was issued.",
            ],
            next_step=("/registrar/batches", "Upload a file again"),
        )
    college = agent_api(request, ROLE)
    types = await credential_types(college)
    chosen = next((t for t in types if t["type_id"] == chosen_id), None)
    levels = (await college.get("/ler/badges/skills"))["levels"]
    try:
        rows = read_batch(data, types, chosen, levels)
    except CsvRefused as exc:
        return await _upload_page(request, {"file": str(exc)}, 400, chosen_id)
    batch = Batch(
        uuid.uuid4().hex,
        (upload_file.filename or "file")[:100],
        [BatchRow(r, NOT_ISSUED if r.problems else WAITING) for r in rows],
    )
    _keep(request.app, batch)
    raise web.HTTPSeeOther(f"/registrar/batches/{batch.batch_id}")


@requires(ROLE)
async def show(request: web.Request) -> web.Response:
    """A batch: its checked rows, or its progress and results."""
    return await page(request, "registrar_batch.html", {"batch": _batch(request)})


@requires(ROLE)
async def progress(request: web.Request) -> web.Response:
    """The progress part of the batch page, which htmx asks for while the batch runs."""
    return await page(request, "registrar_batch_progress.html", {"batch": _batch(request)})


@requires(ROLE)
async def row(request: web.Request) -> web.Response:
    """What to send one learner of the batch: link, QR code and e-mail text."""
    batch = _batch(request)
    number = request.match_info["number"]
    item = next((r for r in batch.rows if str(r.row.number) == number and r.handover), None)
    if item is None or item.handover is None:
        raise web.HTTPNotFound()
    return await page(
        request,
        "registrar_batch_row.html",
        {"batch": batch, "item": item, "qr_image": await qr_code(item.handover.qr_text)},
    )


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@requires(ROLE)
async def results(request: web.Request) -> web.Response:
    """The batch's results as a CSV file, for a mail merge: one line per learner."""
    batch = _batch(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "name", "email", "result", "reason", "link", "e-mail subject"])
    for item in batch.rows:
        h = item.handover
        reason = item.reason or " ".join(item.row.problems)
        writer.writerow(
            [
                str(item.row.number),
                *(_cell(v) for v in (item.row.name, item.row.email, item.state, reason)),
                h.link if h else "",
                _cell(h.email_subject) if h else "",
            ]
        )
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="results-{batch.batch_id[:8]}.csv"',
            "Cache-Control": "no-store",
        },
    )


@requires(ROLE)
async def start(request: web.Request) -> web.Response:
    """Issue the batch's ready rows (once: starting it again changes nothing)."""
    batch = _batch(request)
    if batch.state == "checked" and batch.ready:
        batch.state = "running"
        batch.task = asyncio.create_task(
            _run(batch, agent_api(request, ROLE), college_name(request)),
            name=f"batch {batch.batch_id}",
        )
    raise web.HTTPSeeOther(f"/registrar/batches/{batch.batch_id}")


def routes() -> list[web.RouteDef]:
    """The batch pages."""
    return [
        web.get("/registrar/batches", upload_form),
        web.post("/registrar/batches", upload),
        web.get("/registrar/batches/{batch_id}", show),
        web.get("/registrar/batches/{batch_id}/progress", progress),
        web.get("/registrar/batches/{batch_id}/rows/{number}", row),
        web.get("/registrar/batches/{batch_id}/results.csv", results),
        web.post("/registrar/batches/{batch_id}/start", start),
    ]
