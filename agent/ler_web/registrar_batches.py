"""Issuing to a batch of learners from a CSV file, with progress and a result for every row.

Upload: every row is checked first (:mod:`.registrar_csv`) and the registrar sees which rows are
ready and what is wrong with the others. Start: the ready rows are issued one by one by a task of
the web app, each through :func:`.registrar_issuing.issue_to`, so each row ends ``done`` (with its
link, QR code and e-mail text) or ``failed`` with a reason; a failed row gave no link to anyone,
so nothing reported failed can be claimed later. The page polls the batch's progress (htmx).
Batches are kept in the web app's state file (:mod:`.registrar_batch_store`): a restarted web app
still shows them, and fails with a reason the rows a stopped one left open, never issuing twice.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import uuid
import weakref

from aiohttp import web

from .agent_calls import AgentApi, AgentCallError
from .app_keys import SETTINGS, agent_api
from .error_pages import error_page
from .page_rendering import page
from .qr_codes import qr_code
from .registrar_batch_store import (
    DONE,
    FAILED,
    ISSUING,
    MAX_BATCHES,
    NOT_ISSUED,
    WAITING,
    Batch,
    BatchesFull,
    BatchRow,
    BatchStore,
)
from .registrar_csv import MAX_BYTES, CsvRefused, read_batch
from .registrar_issuing import college_name, credential_types, issue_to
from .sign_in import requires
from .web_store import store_path

LOGGER = logging.getLogger(__name__)
ROLE = "registrar"

_STORES: weakref.WeakKeyDictionary[web.Application, BatchStore] = weakref.WeakKeyDictionary()
_RUNS: set[asyncio.Task[None]] = set()  # the running batches' tasks, kept until they end


def batch_store(app: web.Application) -> BatchStore:
    """The app's batches, in its state file.

    Made on first use, which finishes any batch a web process that ended left running.
    """
    store = _STORES.get(app)
    if store is None:
        store = _STORES[app] = BatchStore(store_path(app[SETTINGS].accounts_file))
        store.recover()
    return store


def _batch(request: web.Request) -> Batch:
    batch = batch_store(request.app).get(request.match_info["batch_id"])
    if batch is None:
        raise web.HTTPNotFound()
    return batch


async def _run(
    store: BatchStore, batch: Batch, college: AgentApi, college_label: str, lock: int
) -> None:
    """Issue each ready row once; every row ends done or failed with a reason.

    Each row's state is written as it changes, ``issuing`` before the agent is asked. ``lock``:
    the batch's run lock (:meth:`BatchStore.claim`), let go when the run ends.
    """
    try:
        for position, item in enumerate(batch.rows):
            if item.state != WAITING:
                continue
            item.state = ISSUING
            store.save_row(batch.batch_id, position, item)  # written before anything is asked
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
            store.save_row(batch.batch_id, position, item)
    except Exception:
        LOGGER.exception("batch %s stopped", batch.batch_id)
    finally:  # cancelled (the web app stops) or failed: open rows fail with a reason
        store.release(batch.batch_id, lock)


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
    batches = batch_store(request.app).all()
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
    try:
        batch_store(request.app).add(batch)
    except BatchesFull:
        return await error_page(
            request,
            503,
            "Too many files are being issued",
            [
                f"{MAX_BATCHES} files of learners are being issued right now. Wait for one to "
                "finish, then upload this file again.",
                "Nothing was issued from this file.",
            ],
            next_step=("/registrar/batches", "Back to issuing from a file"),
        )
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
    store, college = batch_store(request.app), agent_api(request, ROLE)
    lock = store.claim(batch.batch_id) if batch.state == "checked" and batch.ready else None
    if lock is not None:
        task = asyncio.create_task(
            _run(store, batch, college, college_name(request), lock),
            name=f"batch {batch.batch_id}",
        )
        _RUNS.add(task)
        task.add_done_callback(_RUNS.discard)
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
