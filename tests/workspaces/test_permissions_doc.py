"""docs/permissions.md shows exactly the permission matrix the code enforces."""

from __future__ import annotations

from pathlib import Path

from orchestre.workspaces.permissions import MATRIX, Permission, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _documented_matrix() -> dict[Role, set[Permission]]:
    lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    header, _separator, *rows = lines
    roles = [Role(cell.strip("`")) for cell in _cells(header)[2:]]
    granted: dict[Role, set[Permission]] = {role: set() for role in roles}
    for row in rows:
        cells = _cells(row)
        permission = Permission(cells[0].strip("`"))
        for role, mark in zip(roles, cells[2:], strict=True):
            assert mark in {"✓", ""}, f"unexpected mark {mark!r} for {permission} / {role}"
            if mark:
                granted[role].add(permission)
    assert sorted(roles) == sorted(Role), "the table needs one column per role"
    assert len(rows) == len(Permission), "the table needs one row per permission"
    return granted


def test_permissions_doc_equals_the_matrix() -> None:
    assert _documented_matrix() == {role: set(perms) for role, perms in MATRIX.items()}


def test_permissions_doc_explains_every_role() -> None:
    text = DOC.read_text(encoding="utf-8")
    for role in Role:
        assert f"(`{role.value}`)" in text, f"docs/permissions.md does not explain {role}"
