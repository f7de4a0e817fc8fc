"""Sign-in (OAuth2 password flow) and the current user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, SessionDep, SettingsDep
from api.errors import problem_responses
from api.schemas import Token, UserRead
from scheduler.auth import authenticate, create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", responses=problem_responses(400, 401, 422))
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Exchange an e-mail (as `username`) and a password for a bearer token."""
    user = authenticate(session, form.username, form.password)
    return Token(
        access_token=create_access_token(user, settings),
        expires_in=settings.access_token_minutes * 60,
    )


@router.get("/me", responses=problem_responses(401, 422))
def read_me(user: CurrentUser) -> UserRead:
    """The signed-in user."""
    return UserRead.model_validate(user)
