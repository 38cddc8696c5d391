"""Credential types: what the college issues, with the catalogued skills each one certifies.

Kept by the college agent (``/ler/badges/credential-types``); the catalogue and its levels come
from ``/ler/badges/skills``.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError
from .app_keys import agent_api
from .page_rendering import page
from .registrar_issuing import credential_types
from .sign_in import requires

ROLE = "registrar"
#: The achievement types offered, in the words a registrar uses (OB 3.0 terms as values).
ACHIEVEMENT_TYPES = {
    "Certificate": "Certificate",
    "Certification": "Industry certification",
    "Badge": "Badge",
    "MicroCredential": "Micro-credential",
    "CertificateOfCompletion": "Certificate of completion",
    "Course": "Course",
    "Competency": "Competency",
    "ApprenticeshipCertificate": "Apprenticeship certificate",
    "License": "License",
    "Diploma": "Diploma",
    "AssociateDegree": "Associate degree",
}
TEXTS = {"name": 100, "description": 1000, "criteria": 2000}


def field_id(code: str) -> str:
    """The form field of a skill's level (O*NET codes have dots)."""
    return "level-" + code.replace(".", "-")


async def _types_page(
    request: web.Request,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    college = agent_api(request, ROLE)
    catalogue = await college.get("/ler/badges/skills")
    skills = sorted(catalogue["skills"], key=lambda s: (s["framework_name"], s["onet_code"]))
    chosen = (form or {}).get("levels") or {}
    frameworks = []  # (label, skills, shown open): the first, and any with a chosen skill
    for name, group in groupby(skills, key=lambda s: s["framework_name"]):
        listed = list(group)
        label = name.split(":")[0].removeprefix("O*NET Content Model Worker Requirements - ")
        shown = not frameworks or any(s["onet_code"] in chosen for s in listed)
        frameworks.append((label, listed, shown))
    levels = {lvl["level"]: lvl["name"] for lvl in catalogue["levels"]}
    return await page(
        request,
        "registrar_types.html",
        {
            "types": await credential_types(college),
            "frameworks": frameworks,
            "levels": catalogue["levels"],
            "level_names": levels,
            "achievement_types": ACHIEVEMENT_TYPES,
            "field_id": field_id,
            "errors": errors or {},
            "form": form or {},
            "notice": notice,
        },
        status=status,
    )


@requires(ROLE)
async def types(request: web.Request) -> web.Response:
    """The college's credential types and the form to define one."""
    return await _types_page(request)


@requires(ROLE)
async def define(request: web.Request) -> web.Response:
    """Define a credential type from the form."""
    posted = await request.post()
    form: dict[str, Any] = {k: str(posted.get(k, "")).strip() for k in (*TEXTS, "kind")}
    errors: dict[str, str] = {}
    words = {"name": "name", "description": "description", "criteria": "criteria"}
    for key, longest in TEXTS.items():
        if not form[key] or len(form[key]) > longest:
            errors[key] = f"Enter the {words[key]}, up to {longest} characters"
    if form["kind"] not in ACHIEVEMENT_TYPES:
        errors["kind"] = "Choose what kind of credential it is"
    skills = [
        {"skill": str(key).removeprefix("level:"), "level": int(str(value))}
        for key, value in posted.items()
        if str(key).startswith("level:") and str(value) in ("1", "2", "3", "4")
    ]
    form["levels"] = {s["skill"]: s["level"] for s in skills}
    if not skills:
        errors["skills"] = "Choose at least one skill and the level learners reach"
    elif len(skills) > 20:
        errors["skills"] = "Choose at most 20 skills"
    if errors:
        return await _types_page(request, errors, form, status=400)
    try:
        created = await agent_api(request, ROLE).post(
            "/ler/badges/credential-types",
            {
                "name": form["name"],
                "description": form["description"],
                "criteria": form["criteria"],
                "achievement_type": form["kind"],
                "skills": skills,
            },
        )
    except AgentCallError as exc:
        if exc.status == 409:
            errors = {"name": "Your college already has a credential type with this name"}
        elif 400 <= exc.status < 500:
            errors = {"skills": f"The college's agent refused this type: {exc.message}"}
        else:
            raise
        return await _types_page(request, errors, form, status=exc.status)
    return await _types_page(
        request, notice=f"You defined the credential type {created['name']}. You can issue it now."
    )


def routes() -> list[web.RouteDef]:
    """The credential type pages."""
    return [web.get("/registrar/types", types), web.post("/registrar/types", define)]
