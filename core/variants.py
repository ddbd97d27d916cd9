"""Models and their variants in the store: register, look up, and find files on disk.

Every feature that produces an IR (import, convert, FP16, quantize, compress) records it
through `register_variant`, so lineage, sizes and paths are written one way everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.commands import add_command
from core.errors import UserError
from core.store import Model, Variant, session_scope
from core.workspace import resolve, to_relative


def create_model(
    name: str,
    source_format: str,
    source_path: Path | None = None,
    task: str | None = None,
    labels: list[Any] | None = None,
    info: dict[str, Any] | None = None,
) -> int:
    with session_scope() as s:
        model = Model(
            name=name,
            source_format=source_format,
            source_path=to_relative(source_path) if source_path else None,
            task=task,
            labels=labels,
            info=info or {},
        )
        s.add(model)
        s.flush()
        return model.id


def register_variant(
    model_id: int,
    xml_path: Path,
    precision: str,
    method: str,
    name: str | None = None,
    parent_id: int | None = None,
    params: dict[str, Any] | None = None,
    card: dict[str, Any] | None = None,
    accuracy: dict[str, Any] | None = None,
    job_id: int | None = None,
) -> int:
    """Record an IR already written to the workspace as a variant of `model_id`."""
    xml_path = Path(xml_path)
    bin_path = xml_path.with_suffix(".bin")
    if not xml_path.is_file() or not bin_path.is_file():
        raise UserError(f"The IR {xml_path.name} is incomplete: its .xml or .bin is missing.")
    with session_scope() as s:
        if s.get(Model, model_id) is None:
            raise UserError(f"There is no model {model_id}.")
        variant = Variant(
            model_id=model_id,
            parent_id=parent_id,
            name=name or f"{precision} ({method})",
            precision=precision,
            method=method,
            params=params or {},
            xml_path=to_relative(xml_path),
            bin_path=to_relative(bin_path),
            size_bytes=xml_path.stat().st_size + bin_path.stat().st_size,
            card=card,
            accuracy=accuracy,
            job_id=job_id,
        )
        s.add(variant)
        s.flush()
        return variant.id


def get_variant(variant_id: int) -> Variant:
    with session_scope() as s:
        variant = s.get(Variant, variant_id, options=[selectinload(Variant.model)])
        if variant is None:
            raise UserError(f"There is no model variant {variant_id}.", "List them with `python -m core models`.")
        return variant


def variant_xml(variant: Variant) -> Path:
    return resolve(variant.xml_path)


def list_models() -> list[Model]:
    """All models with their variants loaded (for pickers and the home page)."""
    with session_scope() as s:
        return list(s.scalars(select(Model).options(selectinload(Model.variants)).order_by(Model.id)))


def list_variants() -> list[Variant]:
    with session_scope() as s:
        return list(
            s.scalars(select(Variant).options(selectinload(Variant.model)).order_by(Variant.model_id, Variant.id))
        )


def update_variant(variant_id: int, **values: Any) -> None:
    with session_scope() as s:
        variant = s.get(Variant, variant_id)
        if variant is None:
            raise UserError(f"There is no model variant {variant_id}.")
        for key, value in values.items():
            setattr(variant, key, value)


def variant_to_dict(variant: Variant) -> dict[str, Any]:
    return {
        "id": variant.id,
        "model_id": variant.model_id,
        "model": variant.model.name if "model" in variant.__dict__ and variant.model else None,
        "name": variant.name,
        "precision": variant.precision,
        "method": variant.method,
        "parent_id": variant.parent_id,
        "params": variant.params,
        "xml": str(resolve(variant.xml_path)),
        "bin": str(resolve(variant.bin_path)),
        "size_bytes": variant.size_bytes,
        "accuracy": variant.accuracy,
        "created_at": variant.created_at.isoformat() if variant.created_at else None,
    }


def register(subparsers: Any) -> None:
    add_command(
        subparsers,
        "models",
        "models in the workspace with their variants",
        lambda _a: [
            {
                "id": m.id,
                "name": m.name,
                "source_format": m.source_format,
                "task": m.task,
                "variants": [variant_to_dict(v) for v in m.variants],
            }
            for m in list_models()
        ],
    )
