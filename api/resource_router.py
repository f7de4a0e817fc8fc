"""One router factory for the resources of the reference data.

A resource of the API is declared by its service (`scheduler.services.resources`), its schemas,
the descriptions of its operations and its list filters. `resource_router` builds its routes
alike for all: a page of what the caller may see, one row with its ETag, a create (201, ETag,
Location), a change under If-Match and a delete under If-Match (204), each with the problems it
may answer. Who may do what is the access policy's (`scheduler.access`, through
`api.deps`); a resource's special endpoints are added to the router this returns.

The endpoints' signatures are built per resource (the name of the id in the path, the body
schema, the filters), so this module evaluates its annotations when it runs.
"""

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import (
    Coordinator,
    CurrentUser,
    IdPath,
    IfMatch,
    JsonBody,
    Limit,
    Offset,
    SessionDep,
    etag_of,
    expected_version,
)
from api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, problem_responses
from api.idempotency import IdempotentRoute
from scheduler.services.resources import PageResult, Resource


@dataclass(frozen=True)
class Docs:
    """The description of each operation of a resource."""

    list: str
    read: str
    update: str
    delete: str
    create: str = ""


@dataclass(frozen=True)
class Schemas:
    """The schemas of a resource: what a read answers, a page of them, a change, a create (None:
    the API creates none; the groupement is created by the CLI)."""

    read: type[BaseModel]
    page: type[BaseModel]
    update: type[BaseModel]
    create: type[BaseModel] | None = None
    shown: Any = None
    """What a read answers when callers read a row in more than one shape (a union of `read`
    and the others, chosen by `resource_router`'s `shown`); None: `read`."""


def _with_signature(call: Callable[..., Any], params: list[inspect.Parameter]) -> Any:
    """`call` seen by FastAPI as taking `params` (by keyword)."""

    def endpoint(**kwargs: Any) -> Any:
        return call(**kwargs)

    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return endpoint


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def resource_router(
    service: Resource[Any],
    schemas: Schemas,
    docs: Docs,
    *,
    filters: Mapping[str, Any] | None = None,
    present: Callable[[Any], Any] | None = None,
    shown: Callable[[Any, Any], BaseModel] | None = None,
    update_drops_none: bool = False,
) -> APIRouter:
    """The routes of one resource: list, read, change and delete (and create if it has one).

    The names follow from the service's: `cabinet_id` names the id in the path, the path of the
    collection (`/cabinets`, `/travel-times`), its tag and the operations (`read_cabinet`,
    `list_cabinets`: the operation ids of the schema). `filters` are the list's query
    parameters, name -> annotation (each optional, None when not given); `present` gives what
    the read schema is validated from, when not the row itself; `shown(user, row)` the shape a
    caller reads a row in, when the access policy gives some callers less than `read`
    (`schemas.shown` documents the shapes); `update_drops_none` leaves out of a change the
    fields its body sets to null.
    """
    key = service.key
    singular = key.removesuffix("_id")
    prefix = "/" + singular.replace("_", "-") + "s"
    router = APIRouter(
        prefix=prefix,
        tags=[singular.replace("_", " ") + "s"],
        dependencies=[JsonBody],
        route_class=IdempotentRoute,
    )

    def add(
        call: Callable[..., Any],
        operation: str,
        method: str,
        *,
        item: bool = True,
        body: type[BaseModel] | None = None,
        manage: bool = True,
        if_match: bool = True,
        response: bool = True,
        query: tuple[inspect.Parameter, ...] = (),
        status_code: int | None = None,
        model: type[BaseModel] | None = schemas.read,
        errors: tuple[int, ...] = WRITE_ERRORS,
    ) -> None:
        """Route `call`, its parameters in the order the routes have always taken them (the
        dependencies solved in that order: the caller before the If-Match)."""
        params = [
            *([_param(key, IdPath)] if item else []),
            *([_param("body", body)] if body is not None else []),
            _param("session", SessionDep),
            _param("user", Coordinator if manage else CurrentUser),
            *([_param("if_match", IfMatch)] if if_match else []),
            *([_param("response", Response)] if response else []),
            *query,
        ]
        router.add_api_route(
            "/{" + key + "}" if item else "",
            _with_signature(call, params),
            methods=[method],
            status_code=status_code,
            name=f"{operation}_{singular}s" if operation == "list" else f"{operation}_{singular}",
            description=getattr(docs, operation),
            response_model=model,
            responses=problem_responses(*errors),
        )

    def validated(user: Any, row: Any) -> BaseModel:
        if shown is not None:
            return shown(user, row)
        return schemas.read.model_validate(present(row) if present is not None else row)

    def tagged(response: Response, user: Any, row: Any) -> BaseModel:
        response.headers["ETag"] = etag_of(row.id, service.version(row))
        return validated(user, row)

    def expected(if_match: str, row_id: int) -> int | None:
        return expected_version(if_match, service.label, row_id)

    def list_items(session: Any, user: Any, limit: int, offset: int, **filters: Any) -> BaseModel:
        found: PageResult[Any] = service.list(session, user, limit=limit, offset=offset, **filters)
        items = [validated(user, row) for row in found.items]
        return schemas.page.model_validate(
            {"items": items, "total": found.total, "limit": found.limit, "offset": found.offset}
        )

    def create(body: BaseModel, session: Any, user: Any, response: Response) -> BaseModel:
        row = service.create(session, user, body.model_dump())
        response.headers["Location"] = f"/api/v1{prefix}/{row.id}"
        return tagged(response, user, row)

    def read(session: Any, user: Any, response: Response, **path: int) -> BaseModel:
        return tagged(response, user, service.get(session, user, path[key]))

    def update(
        body: BaseModel, session: Any, user: Any, if_match: str, response: Response, **path: int
    ) -> BaseModel:
        changes = body.model_dump(exclude_unset=True, exclude_none=update_drops_none)
        row_id = path[key]
        row = service.update(session, user, row_id, changes, expected=expected(if_match, row_id))
        return tagged(response, user, row)

    def delete(session: Any, user: Any, if_match: str, **path: int) -> None:
        service.delete(session, user, path[key], expected=expected(if_match, path[key]))

    query = tuple(_param(name, annotation, None) for name, annotation in (filters or {}).items())
    paging = (_param("limit", Limit, 50), _param("offset", Offset, 0))
    add(
        list_items,
        "list",
        "GET",
        item=False,
        manage=False,
        if_match=False,
        response=False,
        query=paging + query,
        model=schemas.page,
        errors=READ_ERRORS,
    )
    if schemas.create is not None:
        add(
            create,
            "create",
            "POST",
            item=False,
            body=schemas.create,
            if_match=False,
            status_code=201,
            errors=CREATE_ERRORS,
        )
    add(
        read,
        "read",
        "GET",
        manage=False,
        if_match=False,
        errors=READ_ERRORS,
        model=schemas.shown or schemas.read,
    )
    add(update, "update", "PATCH", body=schemas.update)
    add(delete, "delete", "DELETE", response=False, status_code=204, model=None)
    return router
