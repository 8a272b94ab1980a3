"""Virtuoso Open Source as a local engine: its minimal configuration, its programs and its bulk load.

One place for what the benchmark (``clip-kg benchmark --engine virtuoso``) and the tests'
engines (``tests/engines.py``) both need: Virtuoso started on 127.0.0.1 with every file in
one folder, no time or cost limit of its own, and ``ResultSetMaxRows`` above the site's row
limit, so that Virtuoso never cuts an answer short (it does not say so for CONSTRUCT).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {folder}/virtuoso-temp.db
TransactionFile    = {folder}/virtuoso-temp.trx
Striping           = 0

[Parameters]
ServerPort             = 127.0.0.1:{isql_port}
DisableUnixSocket      = 1
DisableTcpSocket       = 0
MaxClientConnections   = {clients}
CheckpointInterval     = 0
O_DIRECT               = 0
CaseMode               = 2
AllowOSCalls           = 0
DirsAllowed            = ., {readable}
ThreadsPerQuery        = 2
AsyncQueueMaxThreads   = 4
NumberOfBuffers        = {buffers}
MaxDirtyBuffers        = {dirty_buffers}
MaxQueryMem            = {query_mem}

[HTTPServer]
ServerPort             = 127.0.0.1:{http_port}
ServerRoot             = {folder}/vsp
MaxClientConnections   = {clients}
ServerThreads          = {clients}
EnabledDavVSP          = 0
HTTPProxyEnabled       = 0
Charset                = UTF-8

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
"""
BULK_LOAD = (
    "rdf_loader_run(); checkpoint;"
    " select 'LOAD-ERROR', ll_file, ll_error from DB.DBA.LOAD_LIST where ll_error is not null;"
    " select 'LOADED', count(*) from DB.DBA.LOAD_LIST where ll_state = 2;"
)
"""Run the loader over the files ld_dir registered, make the data durable, then report the files with errors
and the files loaded: the loader records a file it cannot load, it does not fail."""
ISQL_OPTIONS = ("dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT")
MISSING = "Virtuoso is missing: apt-get install virtuoso-opensource (virtuoso-t, isql-vt)"


@dataclass(frozen=True)
class Size:
    """How much Virtuoso may use: connections and HTTP threads, 8 KB buffers (NumberOfBuffers), query memory."""

    clients: int
    buffers: int
    query_mem: str

    @property
    def dirty_buffers(self) -> int:
        return self.buffers * 3 // 4


SMALL = Size(clients=8, buffers=10_000, query_mem="256M")
"""About 80 MB of buffers: the tests' CLIP graph. (Two threads per query, as on a 2-core machine: a CI run
with Virtuoso's defaults instead once stopped a browse list at the 10 s limit.)"""
BENCHMARK = Size(clients=40, buffers=170_000, query_mem="2G")
"""Virtuoso's example for 2 GB of memory, and more HTTP threads than the benchmark's 32 clients."""


def programs() -> tuple[str, str] | None:
    """``virtuoso-t`` and ``isql-vt`` of Debian package ``virtuoso-opensource``, or None."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    return (server, isql) if server and isql else None


def write_ini(folder: Path, readable: Path, isql_port: int, http_port: int, max_rows: int, size: Size) -> Path:
    """Write ``folder/virtuoso.ini`` (and the HTTP root it names); ``readable``: where the bulk loader may read."""
    (folder / "vsp").mkdir(parents=True, exist_ok=True)
    ini = folder / "virtuoso.ini"
    text = INI.format(
        folder=folder,
        readable=readable,
        isql_port=isql_port,
        http_port=http_port,
        max_rows=max_rows,
        clients=size.clients,
        buffers=size.buffers,
        dirty_buffers=size.dirty_buffers,
        query_mem=size.query_mem,
    )
    ini.write_text(text, encoding="utf-8")
    return ini


def isql_command(isql: str, port: int, script: str) -> list[str]:
    """The isql-vt command line that runs ``script`` as dba."""
    return [isql, str(port), *ISQL_OPTIONS, f"exec={script}"]
