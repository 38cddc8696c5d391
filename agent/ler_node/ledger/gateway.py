"""The embedded ledger's JSON-RPC gateway: the only door to anvil, and what makes it durable.

anvil (see :mod:`.anvil`) listens only on a socket in a 0700 directory. This process serves
HTTP JSON-RPC on 127.0.0.1 and forwards an allowlist of standard Ethereum methods to it, single
calls and batches alike; any other method is answered with error -32601 ("method not allowed on
this ledger"), so nobody can impersonate accounts, send unsigned transactions or rewrite state.
Malformed input gets a JSON-RPC error (-32700 parse error, -32600 invalid request), never a 500;
bodies over :data:`MAX_BODY` bytes are refused with HTTP 413.

It also saves the chain: a response that names a block (a receipt, a mined transaction, a block,
logs, the block number) is held until that block is on disk, so a write the ledger confirmed
survives a SIGKILL of anvil (and of the gateway). New blocks are appended to a journal (raw
transactions and time of each block, fsynced); one append serves every response waiting when it
starts. Every :data:`SNAPSHOT_BLOCKS` blocks, at start and after a rewind, the whole state
(``anvil_dumpState``) is written atomically to ``state.json``, which anvil loads at start, and
the journal is emptied; at start the gateway mines the journal's blocks again (same transactions,
same times) before it serves. State reads (``eth_call`` and the like) are answered at once and may
see a block being saved.

    python -m ler_node.ledger.gateway --ipc <socket> --state <state.json> \
        --journal <journal.jsonl> --port 0 --address-file <gateway.json>

The bound URL and the gateway's PID are written to ``--address-file`` once it serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from .anvil import append_journal, open_ipc, read_journal, write_state

LOGGER = logging.getLogger("ler_node.ledger.gateway")

ALLOWED = frozenset(
    {
        "eth_blockNumber",
        "eth_call",
        "eth_chainId",
        "eth_estimateGas",
        "eth_feeHistory",
        "eth_gasPrice",
        "eth_getBalance",
        "eth_getBlockByHash",
        "eth_getBlockByNumber",
        "eth_getCode",
        "eth_getLogs",
        "eth_getStorageAt",
        "eth_getTransactionByHash",
        "eth_getTransactionCount",
        "eth_getTransactionReceipt",
        "eth_maxPriorityFeePerGas",
        "eth_sendRawTransaction",
        "eth_syncing",
        "net_listening",
        "net_version",
        "web3_clientVersion",
    }
)
MAX_BODY = 2 * 1024 * 1024
MAX_BATCH = 100
MAX_CONNECTIONS = 32
HOLD_TIMEOUT = 10.0
IDLE_CHECK = 0.5
SNAPSHOT_BLOCKS = 1000


class AnvilUnavailable(Exception):
    """anvil's socket is closed or refuses connections."""


def rpc_error(code: int, message: str, call_id: Any = None, data: Any = None) -> dict[str, Any]:
    """A JSON-RPC 2.0 error response."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": call_id, "error": error}


class IpcPool:
    """Connections to anvil's socket, one call at a time on each."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one JSON-RPC call; anvil's response."""
        async with self._slots:
            try:
                reader, writer = self._idle.pop() if self._idle else await open_ipc(self._path)
            except OSError as exc:
                raise AnvilUnavailable(str(exc)) from exc
            try:
                writer.write(json.dumps(payload).encode() + b"\n")
                await writer.drain()
                line = await reader.readline()
                if not line:
                    raise AnvilUnavailable("anvil closed its socket")
                response = json.loads(line)
            except (OSError, ValueError, AnvilUnavailable, asyncio.CancelledError) as exc:
                writer.close()
                if isinstance(exc, asyncio.CancelledError):
                    raise
                raise AnvilUnavailable(str(exc)) from exc
            self._idle.append((reader, writer))
            return response

    async def result(self, method: str, params: list[Any]) -> Any:
        """Call a method the gateway itself needs; its result."""
        response = await self.call({"jsonrpc": "2.0", "id": 0, "method": method, "params": params})
        if "error" in response:
            raise RuntimeError(f"anvil refused {method}: {response['error']}")
        return response["result"]

    def close(self) -> None:
        """Close idle connections."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


class Persister:
    """Keeps every reported block on disk and tells waiters which blocks are safe to report.

    A block is on disk once it is in ``state.json`` (a full ``anvil_dumpState``, slow on a long
    chain) or in the journal (its raw transactions and time, one fsynced line per block). New
    blocks go to the journal; a full snapshot, which empties the journal, is taken every
    :data:`SNAPSHOT_BLOCKS` blocks, at start, and after a rewind.
    """

    def __init__(self, pool: IpcPool, state_file: Path, journal_file: Path) -> None:
        self._pool = pool
        self._state_file = state_file
        self._journal_file = journal_file
        self._saved: tuple[int, str] | None = None
        self._journaled = 0
        self._wake = asyncio.Event()
        self._changed = asyncio.Condition()

    @property
    def height(self) -> int:
        """Highest block on disk (-1 until the first save)."""
        return self._saved[0] if self._saved else -1

    def forget(self) -> None:
        """Forget what was saved (anvil went away): the next report waits for a fresh save."""
        self._saved = None

    async def save_if_changed(self) -> None:
        """Journal the blocks mined since the last save (or snapshot the state after a rewind)."""
        head = await self._block("latest")
        latest = (int(head["number"], 16), str(head["hash"]))
        if latest == self._saved:
            return
        if self._saved is None or latest[0] <= self._saved[0]:
            await self.snapshot()
            return
        entries, parent = [], self._saved[1]
        for number in range(self._saved[0] + 1, latest[0] + 1):
            block = head if number == latest[0] else await self._block(hex(number))
            if block["parentHash"] != parent:  # rewound under us
                await self.snapshot()
                return
            raw = [await self._raw_of(tx_hash) for tx_hash in block["transactions"]]
            entries.append(
                {
                    "number": number,
                    "parent": parent,
                    "timestamp": int(block["timestamp"], 16),
                    "transactions": raw,
                }
            )
            parent = str(block["hash"])
        await asyncio.to_thread(append_journal, self._journal_file, entries)
        self._journaled += len(entries)
        await self._saved_up_to(latest)
        if self._journaled >= SNAPSHOT_BLOCKS:
            await self.snapshot()

    async def snapshot(self) -> None:
        """Save the whole state (``anvil_dumpState``) and empty the journal."""
        head = await self._block("latest")
        dump = await self._pool.result("anvil_dumpState", [])
        await asyncio.to_thread(write_state, self._state_file, dump, self._journal_file)
        self._journaled = 0
        await self._saved_up_to((int(head["number"], 16), str(head["hash"])))

    async def replay(self) -> int:
        """Mine again the journal's blocks that the loaded state lacks; how many there were."""
        height = int(await self._pool.result("eth_blockNumber", []), 16)
        entries = [e for e in read_journal(self._journal_file) if e["number"] > height]
        if not entries:
            return 0
        head = await self._block("latest")
        if entries[0]["number"] != height + 1 or entries[0]["parent"] != head["hash"]:
            LOGGER.error("Error: the journal does not continue block %d; not replaying it", height)
            return 0
        await self._pool.result("evm_setAutomine", [False])
        try:
            for entry in entries:
                for raw in entry["transactions"]:
                    await self._pool.result("eth_sendRawTransaction", [raw])
                try:
                    await self._pool.result("evm_setNextBlockTimestamp", [entry["timestamp"]])
                except RuntimeError:  # refused right after a load: set the clock instead
                    await self._pool.result("evm_setTime", [entry["timestamp"]])
                await self._pool.result("evm_mine", [])
        finally:
            now = max(int(time.time()), entries[-1]["timestamp"])
            await self._pool.result("evm_setTime", [now])
            await self._pool.result("evm_setAutomine", [True])
        LOGGER.info("replayed blocks %d to %d from the journal", height + 1, entries[-1]["number"])
        return len(entries)

    async def run(self) -> None:
        """Save whenever someone waits, and every :data:`IDLE_CHECK` seconds."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_CHECK)
            self._wake.clear()
            try:
                await self.save_if_changed()
            except AnvilUnavailable:
                self.forget()
            except Exception:
                LOGGER.exception("saving the ledger state failed; retrying")
                await asyncio.sleep(IDLE_CHECK)

    async def _block(self, number: str) -> dict[str, Any]:
        return await self._pool.result("eth_getBlockByNumber", [number, False])

    async def _raw_of(self, tx_hash: str) -> str:
        return str(await self._pool.result("eth_getRawTransactionByHash", [tx_hash]))

    async def _saved_up_to(self, saved: tuple[int, str]) -> None:
        self._saved = saved
        async with self._changed:
            self._changed.notify_all()

    def _covers(self, number: int, block_hash: str | None) -> bool:
        if self._saved is None or number > self._saved[0]:
            return False
        return number < self._saved[0] or block_hash in (None, self._saved[1])

    async def covering(self, number: int, block_hash: str | None = None) -> None:
        """Return once block ``number`` (``block_hash`` if given) is on disk.

        TimeoutError after :data:`HOLD_TIMEOUT` seconds.
        """
        if self._covers(number, block_hash):
            return
        async with self._changed:
            self._wake.set()
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self._covers(number, block_hash)), HOLD_TIMEOUT
            )


def block_named(method: str, params: Any, result: Any) -> tuple[int, str | None] | None:
    """The highest block a response reveals (number, and hash if known), if it reveals one."""
    if method == "eth_blockNumber" and isinstance(result, str):
        return int(result, 16), None
    if method == "eth_getLogs" and isinstance(result, list):
        mined = [log for log in result if isinstance(log, dict) and log.get("blockNumber")]
        if not mined:
            return None
        last = max(mined, key=lambda log: int(log["blockNumber"], 16))
        return int(last["blockNumber"], 16), last.get("blockHash")
    if not isinstance(result, dict):
        return None
    if method in ("eth_getTransactionReceipt", "eth_getTransactionByHash"):
        number, block_hash = result.get("blockNumber"), result.get("blockHash")
    elif method in ("eth_getBlockByNumber", "eth_getBlockByHash"):
        if isinstance(params, list) and params[:1] == ["pending"]:
            return None
        number, block_hash = result.get("number"), result.get("hash")
    else:
        return None
    return (int(number, 16), block_hash) if isinstance(number, str) else None


class Gateway:
    """The HTTP handler: filter, forward, hold block-revealing answers until saved."""

    def __init__(self, pool: IpcPool, persister: Persister) -> None:
        self._pool = pool
        self._persister = persister

    async def handle(self, request: web.Request) -> web.Response:
        """One HTTP request: a single call or a batch."""
        if (request.content_length or 0) > MAX_BODY:
            return _too_large()
        chunks, size = [], 0
        async for chunk in request.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > MAX_BODY:
                return _too_large()
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            payload = json.loads(body)
        except ValueError as exc:
            return web.json_response(rpc_error(-32700, f"parse error: {exc}"))
        try:
            if not isinstance(payload, list):
                answer = await self.call(payload)
                return web.json_response(answer) if answer else web.Response(status=204)
            if not payload or len(payload) > MAX_BATCH:
                message = f"invalid request: a batch holds 1 to {MAX_BATCH} calls"
                return web.json_response(rpc_error(-32600, message))
            answers = await asyncio.gather(*(self.call(call) for call in payload))
            return web.json_response([a for a in answers if a is not None])
        except AnvilUnavailable as exc:
            self._persister.forget()
            message = f"the ledger node is not answering ({exc}); run `ler-node ledger up`"
            return web.json_response(rpc_error(-32603, message), status=503)

    async def call(self, call: Any) -> dict[str, Any] | None:
        """One call; None for a notification (a call without an id)."""
        call_id = call.get("id") if isinstance(call, dict) else None
        if not isinstance(call_id, str | int | None) or isinstance(call_id, bool):
            call_id = None
        if (
            not isinstance(call, dict)
            or not isinstance(call.get("method"), str)
            or not isinstance(call.get("params", []), list | dict)
        ):
            return rpc_error(-32600, "invalid request: expected {method, params, id}", call_id)
        method, params = call["method"], call.get("params", [])
        if method not in ALLOWED:
            return rpc_error(
                -32601,
                f"method not allowed on this ledger: {method}",
                call_id,
                "only standard eth_* methods are served; send transactions signed with your own "
                "key (eth_sendRawTransaction)",
            )
        response = await self._pool.call(
            {"jsonrpc": "2.0", "id": call_id, "method": method, "params": params}
        )
        block = block_named(method, params, response.get("result"))
        if block is not None:
            try:
                await self._persister.covering(*block)
            except TimeoutError:
                return rpc_error(
                    -32000,
                    f"block {block[0]} is not saved to disk yet; retry, and if this persists read "
                    "the gateway's log (gateway.log in the ledger directory)",
                    call_id,
                )
        return response if "id" in call else None


def _too_large() -> web.Response:
    error = rpc_error(-32600, f"invalid request: the body exceeds {MAX_BODY} bytes")
    return web.json_response(error, status=413)


def _write_address(path: Path, url: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}))
    os.replace(tmp, path)


async def serve(
    ipc: Path, state_file: Path, journal_file: Path, host: str, port: int, address_file: Path
) -> None:
    """Replay the journal, snapshot the state, serve until SIGTERM or SIGINT."""
    pool = IpcPool(ipc)
    persister = Persister(pool, state_file, journal_file)
    await persister.replay()
    await persister.snapshot()
    gateway = Gateway(pool, persister)
    app = web.Application()
    app.router.add_post("/", gateway.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_host, bound_port = runner.addresses[0][:2]
    _write_address(address_file, f"http://{bound_host}:{bound_port}")
    LOGGER.info("serving the ledger at http://%s:%d", bound_host, bound_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    saver = asyncio.create_task(persister.run())
    try:
        await stop.wait()
    finally:
        saver.cancel()
        await runner.cleanup()
        pool.close()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ipc", type=Path, required=True, help="anvil's JSON-RPC socket")
    parser.add_argument("--state", type=Path, required=True, help="the state file anvil loads")
    parser.add_argument("--journal", type=Path, required=True, help="blocks since the state file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--address-file", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(
            serve(args.ipc, args.state, args.journal, args.host, args.port, args.address_file)
        )
    except (OSError, AnvilUnavailable) as exc:
        LOGGER.error("Error: the ledger gateway cannot start: %s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
