"""Tables of the workbench database.

JSON columns hold parameters and metrics whose shape belongs to the feature that writes
them (conversion options, benchmark config, ...); the columns we filter or join on are real
columns.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        return self not in (JobState.QUEUED, JobState.RUNNING)


class Model(Base):
    """A network the user brought in; its concrete IR files are its variants."""

    __tablename__ = "models"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source_format: Mapped[str] = mapped_column(String(40))  # onnx, ir, tflite, tf, paddle, pytorch
    source_path: Mapped[str | None] = mapped_column(Text)  # workspace-relative original upload
    task: Mapped[str | None] = mapped_column(String(40))  # classification, detection, ...
    labels: Mapped[list[Any] | None] = mapped_column(JSON)  # class names when known
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    variants: Mapped[list[Variant]] = relationship(
        back_populates="model", cascade="all, delete-orphan", order_by="Variant.id"
    )


class Variant(Base):
    """One IR (xml+bin) of a model, with how it was made from its parent (lineage)."""

    __tablename__ = "variants"
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id"))
    name: Mapped[str] = mapped_column(String(200))
    precision: Mapped[str] = mapped_column(String(20))  # FP32, FP16, INT8, INT4, mixed
    method: Mapped[str] = mapped_column(String(40))  # imported, converted, fp16, quantized, ...
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # how it was made
    xml_path: Mapped[str] = mapped_column(Text)  # workspace-relative
    bin_path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)  # > 2 GiB: 64-bit on PostgreSQL too
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # model card, computed once
    accuracy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    model: Mapped[Model] = relationship(back_populates="variants")
    parent: Mapped[Variant | None] = relationship(remote_side="Variant.id")


class Dataset(Base):
    """Images or tensors uploaded once and reused for calibration, accuracy and benchmarks."""

    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # images, labelled-images, npz
    path: Mapped[str] = mapped_column(Text)  # workspace-relative folder or file
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    classes: Mapped[list[Any] | None] = mapped_column(JSON)
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Job(Base):
    """Long work run outside the UI process; the row is its whole shared state."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # convert, quantize, benchmark, ...
    entrypoint: Mapped[str] = mapped_column(String(200))  # "module:function" run in the child
    target: Mapped[str] = mapped_column(String(300), default="")  # human label: what it works on
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    message: Mapped[str] = mapped_column(Text, default="")  # current step, for the progress bar
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, in the user's words
    error_hint: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    log_path: Mapped[str | None] = mapped_column(Text)  # workspace-relative
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(200), default="")  # host:pid of the submitter
    # Who runs it, to tell at once when a process is gone (core/jobs/liveness.py):
    # {"owner"|"supervisor"|"child": {"host", "boot", "pid", "start"}, "attempt": "..."}.
    process: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    session_id: Mapped[str | None] = mapped_column(String(64))  # browser session, if any
    timeout_s: Mapped[float | None] = mapped_column(Float)
    # The target (core/targets) its measurement runs on; None/"" = this machine.
    host: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def job_state(self) -> JobState:
        return JobState(self.state)

    def elapsed_s(self, now: datetime | None = None) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or now or utcnow()
        return max(0.0, (end - self.started_at).total_seconds())


class Result(Base):
    """A measurement (benchmark, profile, accuracy, sweep) of one variant, kept for comparing."""

    __tablename__ = "results"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # benchmark, profile, accuracy, sweep
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    device: Mapped[str | None] = mapped_column(String(100))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # every setting used
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the numbers
    machine: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # CPU, OV version, host
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    variant: Mapped[Variant | None] = relationship()


class Target(Base):
    """A machine that joined the cluster to be measured on (core/targets); "local" is implicit.

    The row outlives the connection: a target that left is shown as lost (with when), and
    its name comes back online when it rejoins. Times come from the database clock.
    """

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")  # its Dask worker address now
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # host report (CPU, devices, ...)
    insecure: Mapped[bool] = mapped_column(Boolean, default=False)  # joined over plain tcp
    joined_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime)
    lost_at: Mapped[datetime | None] = mapped_column(DateTime)
