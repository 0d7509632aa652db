"""Operators that run Photoroom over one image or a batch, into any object store.

Thin Airflow glue around the batch engine (:mod:`airflow_photoroom.batch`): templating, mapping,
XCom, extra links, assets and lineage live here; keys, skipping, checking and writing live there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import Asset, BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from airflow_photoroom import storage
from airflow_photoroom.batch import (
    BatchEngine,
    BatchReport,
    Expectation,
    Rendered,
    Source,
    batched,
    default_concurrency,
)
from airflow_photoroom.exceptions import PhotoroomCreditsExhaustedError, PhotoroomOptionsError
from airflow_photoroom.hooks.photoroom import PhotoroomHook
from airflow_photoroom.links import (
    EDIT_FURTHER_XCOM_KEY,
    QA_SHEET_XCOM_KEY,
    PhotoroomEditFurtherLink,
    PhotoroomQASheetLink,
)
from airflow_photoroom.options import EditOptions, SegmentOptions
from airflow_photoroom.pricing import MAX_INPUT_BYTES, Operation
from airflow_photoroom.settings import DEFAULT_CONN_ID
from airflow_photoroom.triggers.photoroom import PhotoroomQuotaTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = [
    "PhotoroomEditOperator",
    "PhotoroomQuotaCheckOperator",
    "PhotoroomRemoveBackgroundOperator",
    "batched",
    "edit_engine",
    "remove_background_engine",
]

#: Shows which image a mapped task instance works on (or how many, for a batch).
MAP_INDEX_TEMPLATE = (
    "{{ task.image if task.image is string else (task.image | length) ~ "
    "(' image' if (task.image | length) == 1 else ' images') }}"
)
_FAILURES_SHOWN = 5


class _PhotoroomImageOperator(BaseOperator):
    """The shared shape of the edit and remove-background operators."""

    # ``output`` is stored as ``output_folder``: BaseOperator.output is Airflow's XComArg property.
    template_fields: Sequence[str] = ("image", "options", "output_folder", "output_conn_id", "input_conn_id")
    template_fields_renderers: ClassVar[dict[str, str]] = {"options": "json", "image": "json"}
    operator_extra_links = (PhotoroomEditFurtherLink(), PhotoroomQASheetLink())
    operation: ClassVar[Operation]
    options_model: ClassVar[type[EditOptions] | type[SegmentOptions]]

    def __init__(
        self,
        *,
        image: str | Sequence[str],
        output: str,
        options: Mapping[str, Any] | EditOptions | SegmentOptions | None = None,
        photoroom_conn_id: str = DEFAULT_CONN_ID,
        output_conn_id: str | None = None,
        input_conn_id: str | None = None,
        concurrency: int | None = None,
        max_failures: int = 0,
        qa_sheet: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("map_index_template", MAP_INDEX_TEMPLATE)
        if "outlets" not in kwargs and _is_literal(output):
            kwargs["outlets"] = [Asset(storage.normalize_uri(output))]
        super().__init__(**kwargs)
        self.image = image
        self.output_folder = output
        self.options = options
        self.photoroom_conn_id = photoroom_conn_id
        self.output_conn_id = output_conn_id
        self.input_conn_id = input_conn_id
        self.concurrency = concurrency
        self.max_failures = max_failures
        self.qa_sheet = qa_sheet
        self._inputs: list[str] = []

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """Like BaseOperator.partial, with the map index showing the image (or batch size)."""
        kwargs.setdefault("map_index_template", MAP_INDEX_TEMPLATE)
        return super().partial(**kwargs)

    # ------------------------------------------------------------------------------------------

    def _images(self) -> list[str]:
        images = storage.uri_list(self.image)
        if not isinstance(self.image, str) and not all(images):
            raise AirflowFailException("image: every entry must be a non-empty URI")
        return images

    def _validated_options(self, images: list[str]) -> Any:
        try:
            options = self.options_model.coerce(self.options)  # type: ignore[arg-type]
            self._check_request_forms(options, images)
        except PhotoroomOptionsError as error:
            # Options do not fix themselves: fail without retries, before any credit is spent.
            raise AirflowFailException(f"{self.task_id}: {error}") from None
        return options

    def _check_request_forms(self, options: Any, images: list[str]) -> None:
        """Hook for options that only work in one request form (edit: GET vs upload)."""

    def _engine(self, hook: PhotoroomHook, options: Any) -> BatchEngine:
        raise NotImplementedError

    def _hook(self) -> PhotoroomHook:
        return PhotoroomHook(self.photoroom_conn_id)

    def _storage(self) -> dict[str, Any]:
        return {
            "output": self.output_folder,
            "output_conn_id": self.output_conn_id,
            "input_conn_id": self.input_conn_id,
            "concurrency": self.concurrency,
            "log": self.log,
        }

    def execute(self, context: Context) -> dict[str, Any] | list[dict[str, Any]]:
        images = self._images()
        self._inputs = images
        options = self._validated_options(images)
        hook = self._hook()
        engine = self._engine(hook, options)
        self.log.info(
            "Photoroom %s: %d image(s) -> %s, up to %d calls in flight",
            self.operation,
            len(images),
            self.output_folder,
            engine.concurrency,
        )

        async def run() -> BatchReport:
            try:
                return await engine.run(images, manifest_name=_manifest_name(context))
            finally:
                await hook.aclose()

        report = asyncio.run(run())
        rows = [outcome.to_dict() for outcome in report.outcomes]
        ti = context["ti"]
        if url := next((o.edit_further_url for o in report.outcomes if o.edit_further_url), None):
            ti.xcom_push(key=EDIT_FURTHER_XCOM_KEY, value=url)
        if report.manifest:
            self.log.info("Photoroom manifest: %s", report.manifest)
        if self.qa_sheet:
            from airflow_photoroom.qa import write_qa_sheet

            sheet = write_qa_sheet(
                rows,
                f"{self.output_folder.rstrip('/')}/_qa",
                title=f"{ti.dag_id}.{ti.task_id}",
                name=_manifest_name(context),
                input_conn_id=self.input_conn_id,
                output_conn_id=self.output_conn_id,
            )
            ti.xcom_push(key=QA_SHEET_XCOM_KEY, value=sheet["html"])
            self.log.info("Photoroom QA sheet: %s", sheet["html"])
        self._raise_for(report, rows, ti)
        return rows[0] if isinstance(self.image, str) else rows

    def _raise_for(self, report: BatchReport, rows: list[dict[str, Any]], ti: Any) -> None:
        failures = report.failures()
        if not report.stopped and len(failures) <= self.max_failures:
            return
        ti.xcom_push(key="photoroom_outcomes", value=rows)  # what happened, for whoever looks next
        summary = (
            f"{report.count('edited')} edited, {report.count('skipped')} already done, "
            f"{len(failures)} failed, {report.count('not_attempted')} not attempted"
        )
        if report.stopped:
            raise AirflowException(
                f"Photoroom credits ran out ({summary}). Top up the account and rerun this task: "
                "finished images are skipped and are not paid for again."
            )
        shown = "; ".join(f"{o.input}: {o.reason}" for o in failures[:_FAILURES_SHOWN])
        more = f" (and {len(failures) - _FAILURES_SHOWN} more)" if len(failures) > _FAILURES_SHOWN else ""
        raise AirflowException(
            f"{len(failures)} image(s) failed, more than max_failures={self.max_failures} "
            f"({summary}): {shown}{more}"
        )

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Inputs and the output folder as OpenLineage datasets (when OpenLineage is installed)."""
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import Dataset

        def dataset(uri: str) -> Dataset:
            namespace, name = storage.lineage_dataset(uri)
            return Dataset(namespace=namespace, name=name)

        output = storage.uri_of(storage.to_path(self.output_folder, self.output_conn_id))
        return OperatorLineage(inputs=[dataset(uri) for uri in self._inputs], outputs=[dataset(output)])


class PhotoroomEditOperator(_PhotoroomImageOperator):
    """Edit images with Photoroom's ``/v2/edit``, writing results to a folder of any object store.

    :param image: one URI or a list (a batch). ``http(s)://`` goes to the API as ``imageUrl``;
        ``file://``, ``s3://``, other object-storage URIs and local paths are read and uploaded.
    :param output: the folder URI to write to (``file://``, ``s3://``, a local path, ...).
    :param options: :class:`~airflow_photoroom.options.EditOptions` or a dict of the API's dotted
        names; validated before any credit is spent.
    :param upload_http_inputs: download http(s) inputs and upload them, for URLs the API cannot
        reach (behind a VPN, signed for this network only).
    :param output_conn_id: connection for the output store (e.g. an ``aws`` connection).
    :param input_conn_id: connection for reading object-storage inputs.
    :param concurrency: calls in flight; defaults to what keeps the connection's rate limit busy.
    :param max_failures: images that may fail before the task fails (default 0).
    :param qa_sheet: write a contact sheet (before/after, status, seed, uncertainty) to
        ``<output>/_qa/`` and link it from the task ("QA sheet").
    :param background_model_version: the AI-background model for this task, instead of the
        connection's (part of each image's identity: a new model means new outputs).

    Returns one plain dict per image (a dict for one image, a list for a batch): ``input``,
    ``output``, ``status`` (``edited`` / ``skipped`` / ``failed`` / ``not_attempted``),
    ``credits``, ``reason``, ``seed``, ``uncertainty``, ``edit_further_url``, ``duration_s``.
    An output already present for the same input content and options is ``skipped`` at no cost.
    """

    operation = "edit"
    options_model = EditOptions
    ui_color = "#e8dcff"

    template_fields: Sequence[str] = (*_PhotoroomImageOperator.template_fields, "background_model_version")

    def __init__(
        self, *, upload_http_inputs: bool = False, background_model_version: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.upload_http_inputs = upload_http_inputs
        self.background_model_version = background_model_version

    def _hook(self) -> PhotoroomHook:
        return PhotoroomHook(
            self.photoroom_conn_id, background_model_version=self.background_model_version or None
        )

    def _check_request_forms(self, options: Any, images: list[str]) -> None:
        if any(not storage.is_http(uri) or self.upload_http_inputs for uri in images):
            options.multipart_fields()
        if any(storage.is_http(uri) and not self.upload_http_inputs for uri in images):
            options.query_params()

    def _engine(self, hook: PhotoroomHook, options: Any) -> BatchEngine:
        return edit_engine(hook, options, send_urls=not self.upload_http_inputs, **self._storage())


class PhotoroomRemoveBackgroundOperator(_PhotoroomImageOperator):
    """Cut subjects out with Photoroom's ``/v1/segment``; same shape as :class:`PhotoroomEditOperator`.

    Every input is uploaded (the endpoint takes no URLs); ``options`` are
    :class:`~airflow_photoroom.options.SegmentOptions` (format, channels, bg_color, size, crop,
    despill).
    """

    operation = "segment"
    options_model = SegmentOptions
    ui_color = "#dcf0ff"

    def _engine(self, hook: PhotoroomHook, options: Any) -> BatchEngine:
        return remove_background_engine(hook, options, **self._storage())


def edit_engine(
    hook: PhotoroomHook,
    options: EditOptions,
    *,
    output: str,
    send_urls: bool = True,
    output_conn_id: str | None = None,
    input_conn_id: str | None = None,
    concurrency: int | None = None,
    log: Any = None,
) -> BatchEngine:
    """The batch engine the edit operator runs: ``/v2/edit`` through ``hook`` into ``output``."""

    async def render(source: Source) -> Rendered:
        if source.data is None:
            result = await hook.aedit(source.uri, options=options)
        else:
            result = await hook.aedit(image=source.data, options=options)
        return Rendered(
            content=result.content,
            media_type=result.media_type,
            seed=result.seed,
            uncertainty=result.uncertainty_score,
            edit_further_url=result.edit_further_url,
        )

    size = None
    resizing = (options.upscale, options.flat_lay, options.ghost_mannequin, options.virtual_model)
    if options.output_size and "x" in options.output_size and not any(resizing):
        width, height = options.output_size.split("x")
        size = (int(width), int(height))
    return _engine(
        hook,
        render,
        operation="edit",
        identity_models=hook.settings.model_headers,
        options_canonical=options.canonical(),
        expectation=Expectation(format=options.output_format, size=size),
        output=output,
        send_urls=send_urls,
        output_conn_id=output_conn_id,
        input_conn_id=input_conn_id,
        concurrency=concurrency,
        log=log,
    )


def remove_background_engine(
    hook: PhotoroomHook,
    options: SegmentOptions,
    *,
    output: str,
    output_conn_id: str | None = None,
    input_conn_id: str | None = None,
    concurrency: int | None = None,
    log: Any = None,
) -> BatchEngine:
    """The batch engine the remove-background operator runs (every input is uploaded)."""

    async def render(source: Source) -> Rendered:
        assert source.data is not None
        result = await hook.aremove_background(source.data, options=options)
        return Rendered(
            content=result.content, media_type=result.media_type, uncertainty=result.uncertainty_score
        )

    return _engine(
        hook,
        render,
        operation="segment",
        identity_models={"removal": hook.settings.background_removal_model_version},
        options_canonical=options.canonical(),
        expectation=Expectation(format=options.output_format),
        output=output,
        send_urls=False,
        output_conn_id=output_conn_id,
        input_conn_id=input_conn_id,
        concurrency=concurrency,
        log=log,
    )


def _engine(
    hook: PhotoroomHook,
    render: Any,
    *,
    operation: Operation,
    identity_models: Mapping[str, Any],
    options_canonical: str,
    expectation: Expectation,
    output: str,
    send_urls: bool,
    output_conn_id: str | None,
    input_conn_id: str | None,
    concurrency: int | None,
    log: Any,
) -> BatchEngine:
    return BatchEngine(
        render=render,
        output=storage.to_path(output, output_conn_id),
        identity={"operation": operation, "options": options_canonical, "models": dict(identity_models)},
        expectation=expectation,
        concurrency=concurrency or default_concurrency(hook.settings.rate_limit_per_minute),
        send_urls=send_urls,
        input_conn_id=input_conn_id,
        max_input_bytes=MAX_INPUT_BYTES[operation],
        credits_per_image=hook.credits_for(operation, 1),
        stop_on=(PhotoroomCreditsExhaustedError,),
        log=log,
    )


def _manifest_name(context: Context) -> str:
    ti = context["ti"]
    map_index = getattr(ti, "map_index", -1)
    parts = [ti.dag_id, ti.run_id, ti.task_id]
    if map_index is not None and map_index >= 0:
        parts.append(f"map{map_index}")
    parts.append(f"try{getattr(ti, 'try_number', 1)}")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "__".join(str(p) for p in parts))


class PhotoroomQuotaCheckOperator(BaseOperator):
    """Before a batch: can the account pay for it? Counts only what really needs paying.

    Images whose outputs already exist (same identity and keys as the edit and remove-background
    operators, found without any API call) are free; the price per call comes from the account's
    plan (``sandbox_`` keys cost nothing). Give the same ``image``, ``options`` and ``output`` as
    the operator that follows, or a plain ``count``.

    :param operation: ``"edit"`` or ``"segment"``.
    :param reserve: credits to keep back for other work.
    :param on_insufficient: ``"fail"`` (fail, stating needed, available, reserve and how many
        images are already done), ``"skip"`` (skip this task and so, by default, what follows)
        or ``"wait"`` (defer until the account has enough, at most ``wait_timeout``).

    Returns ``{"needed", "available", "reserve", "plan", "to_process", "already_done"}``.
    """

    template_fields: Sequence[str] = (
        "image", "options", "output_folder", "count", "reserve", "on_insufficient", "output_conn_id",
        "input_conn_id",
    )  # fmt: skip
    ui_color = "#fff3d6"

    def __init__(
        self,
        *,
        image: str | Sequence[str] | None = None,
        count: int | None = None,
        output: str | None = None,
        options: Mapping[str, Any] | EditOptions | SegmentOptions | None = None,
        operation: Operation = "edit",
        reserve: float = 0,
        on_insufficient: str = "fail",
        upload_http_inputs: bool = False,
        photoroom_conn_id: str = DEFAULT_CONN_ID,
        output_conn_id: str | None = None,
        input_conn_id: str | None = None,
        poll_interval: float = 300,
        wait_timeout: float = 6 * 60 * 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if _is_literal(on_insufficient):  # a template (a DAG param, say) is checked once rendered
            _check_on_insufficient(on_insufficient)
        if (image is None) == (count is None):
            raise ValueError("give either image (with output) or count")
        if image is not None and output is None:
            raise ValueError("output is needed with image, to find which images are already done")
        if operation not in ("edit", "segment"):
            raise ValueError(f"operation must be 'edit' or 'segment', got {operation!r}")
        self.image = image
        self.count = count
        self.output_folder = output
        self.options = options
        self.operation: Operation = operation
        self.reserve = reserve
        self.on_insufficient = on_insufficient
        self.upload_http_inputs = upload_http_inputs
        self.photoroom_conn_id = photoroom_conn_id
        self.output_conn_id = output_conn_id
        self.input_conn_id = input_conn_id
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout

    def _count_work(self, hook: PhotoroomHook) -> tuple[int, int]:
        """(to_process, already_done)."""
        if self.count is not None:
            return int(self.count), 0
        images = storage.uri_list(self.image)
        assert self.output_folder is not None
        try:
            if self.operation == "edit":
                engine = edit_engine(
                    hook,
                    EditOptions.coerce(self.options),  # type: ignore[arg-type]
                    output=self.output_folder,
                    send_urls=not self.upload_http_inputs,
                    output_conn_id=self.output_conn_id,
                    input_conn_id=self.input_conn_id,
                )
            else:
                engine = remove_background_engine(
                    hook,
                    SegmentOptions.coerce(self.options),  # type: ignore[arg-type]
                    output=self.output_folder,
                    output_conn_id=self.output_conn_id,
                    input_conn_id=self.input_conn_id,
                )
        except PhotoroomOptionsError as error:
            raise AirflowFailException(f"{self.task_id}: {error}") from None
        done = asyncio.run(engine.plan(images))
        return len(images) - sum(done), sum(done)

    def execute(self, context: Context) -> dict[str, Any]:
        try:
            _check_on_insufficient(self.on_insufficient)
        except ValueError as error:
            raise AirflowFailException(f"{self.task_id}: {error}") from None
        hook = PhotoroomHook(self.photoroom_conn_id)
        account = hook.get_account()  # first: it also gives the plan the engine prices with
        to_process, already_done = self._count_work(hook)
        plan = "sandbox" if hook.settings.is_sandbox else account.plan
        needed = hook.credits_for(self.operation, to_process, plan)
        reserve = float(self.reserve)
        result = {
            "needed": needed,
            "available": account.available,
            "reserve": reserve,
            "plan": plan,
            "to_process": to_process,
            "already_done": already_done,
        }
        self.log.info("Photoroom quota plan: %s", result)
        if needed <= account.available - reserve:
            return result
        message = (
            f"Photoroom {self.operation} of {to_process} image(s) needs {needed:g} credits on plan {plan}; "
            f"{account.available:g} available with {reserve:g} kept in reserve "
            f"({already_done} image(s) already done, free)"
        )
        if self.on_insufficient == "skip":
            raise AirflowSkipException(message)
        if self.on_insufficient == "fail":
            raise AirflowFailException(message)
        self.log.info("%s: waiting until the account has enough", message)
        self.defer(
            trigger=PhotoroomQuotaTrigger(
                photoroom_conn_id=self.photoroom_conn_id,
                min_available=needed,
                reserve=reserve,
                poll_interval=self.poll_interval,
                end_at=time.time() + self.wait_timeout,
                echo=result,
            ),
            method_name="execute_complete",
            timeout=dt.timedelta(seconds=self.wait_timeout),
        )
        return result  # not reached: defer() raises

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("status") != "success":
            raise AirflowFailException(f"Photoroom quota wait failed: {event.get('message')}")
        return {**event["echo"], "available": event["account"]["available"]}


def _check_on_insufficient(value: str) -> None:
    if value not in ("fail", "skip", "wait"):
        raise ValueError(f"on_insufficient must be 'fail', 'skip' or 'wait', got {value!r}")


def _is_literal(value: object) -> bool:
    """A plain string known when the DAG is parsed: not a Jinja template, not an XComArg."""
    return isinstance(value, str) and "{{" not in value and "{%" not in value
