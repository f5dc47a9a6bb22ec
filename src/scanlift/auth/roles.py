"""Roles and what each may do. A route declares the one permission it needs (``deps.require``);
which clients a user sees is the clients service's (``clients.service.visible_clients``)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Role(StrEnum):
    #: Everything in their tenant, every client of it, and managing its users.
    ADMINISTRATOR = "administrator"
    #: Creates clients and reports and imports into them, in the clients they were granted.
    ANALYST = "analyst"
    #: Reads the clients they were granted; changes nothing.
    VIEWER = "viewer"


class Permission(StrEnum):
    #: Their own session and account: refresh, logout, two-factor setup.
    ACCOUNT = "account"
    #: Read clients, reports, findings, assets and their own imports.
    READ = "read"
    #: Create and edit clients and reports.
    EDIT = "edit"
    #: Upload files and queue imports.
    IMPORT = "import"
    #: Manage the tenant's users and their client grants.
    MANAGE_USERS = "manage_users"


ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.ANALYST: frozenset({Permission.ACCOUNT, Permission.READ, Permission.EDIT, Permission.IMPORT}),
    Role.VIEWER: frozenset({Permission.ACCOUNT, Permission.READ}),
}


def role_of(value: str) -> Role:
    """The role stored for a user; an unknown value (never written by scanlift) grants the least."""
    try:
        return Role(value)
    except ValueError:
        return Role.VIEWER


def allows(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role_of(role)]


def sees_every_client(role: str) -> bool:
    return role_of(role) is Role.ADMINISTRATOR
