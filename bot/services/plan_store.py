"""Loading a plan (the product's plan format) into the ledger, in one transaction.

The format is what plan import produces and `zhenggai import plan.json` reads:
{"title"?, "year"?, "aspects": [{"title", "problems": [{"number", "title", "measures": [
{"text", "leader", "department", "owner", "deadline", "deadline_raw"}]}]}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import audit, statuses
from bot.services.actor import ROLE_LEADER, ROLE_STAFF, Actor
from bot.services.errors import PlanInvalid
from bot.services.people import department_for, require_admin
from bot.services.plan_import import split_names
from storage import repositories as repo
from storage.models import Aspect, Measure, MeasureDepartment, MeasurePerson, Person, Plan, Problem

# a re-imported measure is the same measure when its text is at least this similar
SAME_MEASURE_SCORE = 80
NO_DEADLINE_WORDS = ("无", "—", "-", "/", "")


@dataclass
class ImportSummary:
    plan_id: int | None
    title: str
    updated_existing: bool
    aspects: int = 0
    problems: int = 0
    measures: int = 0
    new_measures: list[str] = field(default_factory=list)
    changed_measures: list[str] = field(default_factory=list)
    removed_measures: list[str] = field(default_factory=list)
    new_people: list[str] = field(default_factory=list)
    matched_people: list[str] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    saved: bool = False


@dataclass(frozen=True)
class _MeasureIn:
    code: str
    position: int
    text: str
    leaders: list[str]
    owners: list[str]
    departments: list[str]
    deadline_kind: str
    deadline: date | None
    deadline_raw: str | None
    then_ongoing: bool
    leader_text: str | None
    owner_text: str | None
    department_text: str | None


def _text(value: Any, where: str, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PlanInvalid(where=where)
        return None
    if not isinstance(value, str | int | float):
        raise PlanInvalid(where=where)
    return str(value).strip()


def _deadline(value: Any, raw: str | None, where: str) -> tuple[str, date | None, bool]:
    then_ongoing = bool(raw and "长期坚持" in raw)
    if value is None:
        if raw is None or raw.strip() in NO_DEADLINE_WORDS:
            return statuses.DEADLINE_NONE, None, False
        return statuses.DEADLINE_UNKNOWN, None, False
    if value in (statuses.DEADLINE_IMMEDIATE, statuses.DEADLINE_ONGOING):
        return value, None, then_ongoing and value != statuses.DEADLINE_ONGOING
    try:
        return statuses.DEADLINE_DATE, date.fromisoformat(str(value)), then_ongoing
    except ValueError as error:
        raise PlanInvalid(where=where) from error


def _problem_codes(aspects: list[dict[str, Any]]) -> list[list[str]]:
    """Problem numbers as codes; prefixed by the aspect when numbering restarts per aspect."""
    numbers = [
        [str(p.get("number") or "").strip() for p in a.get("problems") or []] for a in aspects
    ]
    flat = [n for group in numbers for n in group]
    unique = all(flat) and len(set(flat)) == len(flat)
    codes: list[list[str]] = []
    running = 0
    for a_index, group in enumerate(numbers, start=1):
        row = []
        for number in group:
            running += 1
            if unique:
                row.append(number)
            elif number:
                row.append(f"{a_index}.{number}")
            else:
                row.append(str(running))
        codes.append(row)
    return codes


def parse_plan(plan: dict[str, Any]) -> list[tuple[str, list[tuple[str, str, list[_MeasureIn]]]]]:
    """Validate the plan format into aspects → problems → measures, with measure codes."""
    aspects = plan.get("aspects") if isinstance(plan, dict) else None
    if not isinstance(aspects, list) or not aspects:
        raise PlanInvalid(where="aspects")
    codes = _problem_codes([a if isinstance(a, dict) else {} for a in aspects])
    parsed = []
    for a_index, aspect in enumerate(aspects):
        where = f"aspects[{a_index}]"
        if not isinstance(aspect, dict) or not isinstance(aspect.get("problems"), list):
            raise PlanInvalid(where=where)
        title = _text(aspect.get("title"), f"{where}.title")
        problems = []
        for p_index, problem in enumerate(aspect["problems"]):
            p_where = f"{where}.problems[{p_index}]"
            if not isinstance(problem, dict) or not isinstance(problem.get("measures"), list):
                raise PlanInvalid(where=p_where)
            p_title = _text(problem.get("title"), f"{p_where}.title")
            code = codes[a_index][p_index]
            measures = []
            for m_index, measure in enumerate(problem["measures"], start=1):
                m_where = f"{p_where}.measures[{m_index - 1}]"
                if not isinstance(measure, dict):
                    raise PlanInvalid(where=m_where)
                raw = _text(measure.get("deadline_raw"), m_where, required=False)
                kind, when, then_ongoing = _deadline(measure.get("deadline"), raw, m_where)
                leader = _text(measure.get("leader"), m_where, required=False)
                owner = _text(measure.get("owner"), m_where, required=False)
                department = _text(measure.get("department"), m_where, required=False)
                measures.append(
                    _MeasureIn(
                        code=f"{code}.{m_index}",
                        position=m_index,
                        text=_text(measure.get("text"), f"{m_where}.text") or "",
                        leaders=split_names(leader),
                        owners=split_names(owner),
                        departments=split_names(department),
                        deadline_kind=kind,
                        deadline=when,
                        deadline_raw=raw,
                        then_ongoing=then_ongoing,
                        leader_text=leader,
                        owner_text=owner,
                        department_text=department,
                    )
                )
            problems.append((code, p_title or "", measures))
        parsed.append((title or "", problems))
    return parsed


class _People:
    """Matches people by name, creating the ones not yet known."""

    def __init__(self, session: AsyncSession, clock: Clock, summary: ImportSummary) -> None:
        self.session = session
        self.clock = clock
        self.summary = summary
        self.cache: dict[str, Person] = {}

    async def get(self, name: str, role: str, department: str | None) -> Person:
        person = self.cache.get(name)
        if person is None:
            known = await repo.people_named(self.session, name)
            if known:
                person = known[0]
                if name not in self.summary.matched_people:
                    self.summary.matched_people.append(name)
            else:
                dept = await department_for(self.session, department)
                person = Person(name=name, role=role, department=dept, created_at=self.clock.now())
                self.session.add(person)
                await self.session.flush()
                self.summary.new_people.append(name)
            self.cache[name] = person
        if role == ROLE_LEADER and person.role == ROLE_STAFF:
            person.role = ROLE_LEADER  # named as a 责任领导: may sign off what they lead
        return person


async def import_plan(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    plan: dict[str, Any],
    source_name: str | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Load (or update) a plan in one transaction. With dry_run, computes and rolls back.

    A plan with the same title is updated: measures are matched to existing ones by problem
    and text, changed fields are updated, progress history is kept, and measures no longer
    in the plan are soft-deleted.
    """
    require_admin(actor)
    parsed = parse_plan(plan)
    title = _text(plan.get("title"), "title", required=False) or source_name or "整改方案"
    year = plan.get("year") if isinstance(plan.get("year"), int) else None
    now = clock.now()
    existing_plan = await repo.plan_titled(session, title)
    summary = ImportSummary(plan_id=None, title=title, updated_existing=existing_plan is not None)
    try:
        plan_row = existing_plan or Plan(title=title, created_at=now, updated_at=now)
        plan_row.year = year or plan_row.year
        plan_row.source_name = source_name
        plan_row.updated_at = now
        session.add(plan_row)
        await session.flush()
        old = await _existing_measures(session, plan_row.id) if existing_plan else {}
        old_codes = {m.id: m.code for m in old.values()}
        # free the codes first: a revised plan may shift codes between measures
        for measure in old.values():
            measure.code = f"~{measure.id}"
        await session.flush()
        people = _People(session, clock, summary)
        matched_ids: set[int] = set()
        for a_position, (aspect_title, problems) in enumerate(parsed, start=1):
            aspect = await _aspect(session, plan_row.id, a_position, aspect_title)
            summary.aspects += 1
            for p_position, (number, p_title, measures) in enumerate(problems, start=1):
                problem = await _problem(session, aspect.id, p_position, number, p_title)
                summary.problems += 1
                for item in measures:
                    summary.measures += 1
                    measure = _match(old, matched_ids, number, item)
                    await _save_measure(
                        session,
                        actor,
                        clock,
                        people,
                        plan_row.id,
                        problem.id,
                        item,
                        measure,
                        summary,
                    )
        live_codes = {m.code for m in old.values() if m.id in matched_ids}
        live_codes.update(summary.new_measures)
        for measure in old.values():
            if measure.id not in matched_ids:
                code = old_codes[measure.id]
                measure.deleted_at = now
                measure.code = code if code not in live_codes else f"{code}~{measure.id}"
                summary.removed_measures.append(code)
                audit.record(session, actor, clock, "measure_removed", measure.id, code=code)
        audit.record(
            session,
            actor,
            clock,
            "plan_imported",
            None,
            title=title,
            source=source_name,
            measures=summary.measures,
        )
        await session.flush()
        summary.plan_id = plan_row.id
        if dry_run:
            await session.rollback()
        else:
            await session.commit()
            summary.saved = True
    except BaseException:
        await session.rollback()
        raise
    return summary


async def _existing_measures(session: AsyncSession, plan_id: int) -> dict[int, Measure]:
    rows = await session.scalars(repo.live_measures().where(Measure.plan_id == plan_id))
    return {m.id: m for m in rows}


async def _aspect(session: AsyncSession, plan_id: int, position: int, title: str) -> Aspect:
    aspect = await session.scalar(
        select(Aspect).where(Aspect.plan_id == plan_id, Aspect.title == title)
    )
    if aspect is None:
        aspect = Aspect(plan_id=plan_id, position=position, title=title)
        session.add(aspect)
        await session.flush()
    aspect.position = position
    return aspect


async def _problem(
    session: AsyncSession, aspect_id: int, position: int, number: str, title: str
) -> Problem:
    problem = await session.scalar(
        select(Problem).where(Problem.aspect_id == aspect_id, Problem.number == number)
    )
    if problem is None:
        problem = Problem(aspect_id=aspect_id, position=position, number=number, title=title)
        session.add(problem)
        await session.flush()
    problem.position = position
    problem.title = title
    return problem


def _match(
    old: dict[int, Measure], matched: set[int], number: str, item: _MeasureIn
) -> Measure | None:
    best: tuple[float, Measure] | None = None
    for measure in old.values():
        if measure.id in matched or measure.problem.number != number:
            continue
        score = fuzz.ratio(measure.text, item.text)
        if score >= SAME_MEASURE_SCORE and (best is None or score > best[0]):
            best = (score, measure)
    if best is None:
        return None
    matched.add(best[1].id)
    return best[1]


async def _save_measure(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    people: _People,
    plan_id: int,
    problem_id: int,
    item: _MeasureIn,
    measure: Measure | None,
    summary: ImportSummary,
) -> None:
    now = clock.now()
    fields = {
        "problem_id": problem_id,
        "position": item.position,
        "text": item.text,
        "deadline_kind": item.deadline_kind,
        "deadline_raw": item.deadline_raw,
        "then_ongoing": item.then_ongoing,
        "leader_text": item.leader_text,
        "owner_text": item.owner_text,
        "department_text": item.department_text,
    }
    if measure is None:
        measure = Measure(
            plan_id=plan_id,
            code=item.code,
            status=statuses.NOT_STARTED,
            deadline=item.deadline,
            original_deadline=item.deadline,
            created_at=now,
            updated_at=now,
            **fields,
        )
        session.add(measure)
        await session.flush()
        summary.new_measures.append(item.code)
        audit.record(session, actor, clock, "measure_created", measure.id, code=item.code)
    else:
        changed = [k for k, v in fields.items() if getattr(measure, k) != v]
        if measure.original_deadline != item.deadline:
            changed.append("deadline")
            measure.original_deadline = item.deadline
            measure.deadline = item.deadline
        for key, value in fields.items():
            setattr(measure, key, value)
        measure.code = item.code
        if changed:
            measure.updated_at = now
            summary.changed_measures.append(item.code)
            audit.record(session, actor, clock, "measure_edited", measure.id, fields=changed)
    await _link_people(session, people, measure.id, item)


async def _link_people(
    session: AsyncSession, people: _People, measure_id: int, item: _MeasureIn
) -> None:
    wanted: set[tuple[int, str]] = set()
    department = item.departments[0] if item.departments else None
    for name in item.leaders:
        wanted.add(((await people.get(name, ROLE_LEADER, department)).id, statuses.LINK_LEADER))
    for name in item.owners:
        wanted.add(((await people.get(name, ROLE_STAFF, department)).id, statuses.LINK_OWNER))
    current = {
        (link.person_id, link.role): link
        for link in await repo.measure_links(session, [measure_id])
    }
    for key, link in current.items():
        if key not in wanted:
            await session.delete(link)
    for person_id, role in wanted - current.keys():
        session.add(MeasurePerson(measure_id=measure_id, person_id=person_id, role=role))
    departments = []
    for name in item.departments:
        existed = await repo.department_named(session, name)
        dept = await department_for(session, name)
        if existed is None:
            people.summary.new_departments.append(name)
        if dept is not None:
            departments.append(dept.id)
    current_departments = set(
        await session.scalars(
            select(MeasureDepartment.department_id).where(
                MeasureDepartment.measure_id == measure_id
            )
        )
    )
    for dept_id in set(departments) - current_departments:
        session.add(MeasureDepartment(measure_id=measure_id, department_id=dept_id))
    for dept_id in current_departments - set(departments):
        link = await session.get(MeasureDepartment, (measure_id, dept_id))
        if link is not None:
            await session.delete(link)
