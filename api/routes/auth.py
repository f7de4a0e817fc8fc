"""Sign-in (OAuth2 password flow) and the current user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, SessionDep, SettingsDep
from api.errors import problem_responses
from api.schemas import Token, UserRead
from api.throttle import ClockDep, SignInLimiterDep, client_address
from scheduler.auth import authenticate, create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", responses=problem_responses(400, 401, 422, 429))
def sign_in(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    limiter: SignInLimiterDep,
    clock: ClockDep,
    response: Response,
) -> Token:
    """Exchange an e-mail (as `username`) and a password for a bearer token.

    429 with `Retry-After` (seconds) after 20 attempts in a minute from one address, and while
    the account is locked: 5 failures within 15 minutes lock it for 15 minutes, each new lock
    lasting twice the previous one, until a successful sign-in or a coordinator's unlock.
    """
    limiter.hit(client_address(request))
    user = authenticate(session, form.username, form.password, now=clock())
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    return Token(
        access_token=create_access_token(user, settings),
        expires_in=settings.access_token_minutes * 60,
    )


@router.get("/me", responses=problem_responses(401, 422))
def read_me(user: CurrentUser) -> UserRead:
    """The signed-in user."""
    return UserRead.model_validate(user)
