"""Write the dataset to files, one per format, without ever leaving a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rdflib import Dataset, Graph

from server.formats import Format


def serialize(dataset: Dataset, fmt: Format) -> bytes:
    """The whole dataset in one format: named graphs kept where the format has them,
    the union of all graphs otherwise."""
    if fmt.rdflib_name is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if fmt.keeps_graphs:
        data = dataset.serialize(format=fmt.rdflib_name, encoding="utf-8")
    else:
        union = Graph()
        for prefix, namespace in dataset.namespaces():
            union.bind(prefix, namespace, replace=True)
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            union.add((s, p, o))
        data = union.serialize(format=fmt.rdflib_name, encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def write_dump(dataset: Dataset, fmt: Format, folder: Path, stem: str = "clip-kg") -> Path:
    """Serialize to ``folder/stem.ext`` atomically (a temporary file, then a rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.{fmt.extension}"
    data = serialize(dataset, fmt)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target
