"""FHIR R4: per session a Bundle (collection) of Observations, built with fhir.resources.

Built with the package's R4B models, whose Observation, Patient and Bundle serialise as
valid R4 (the resources used here did not change between R4 and R4B). One file per
session, ``sub-<label>/ses-<NN>_bundle.json``: the subject (a Patient with only the
export's random id and gender), pain before and after (LOINC 72514-3, valueInteger),
Borg RPE, per exercise the best ROM (UCUM ``deg``, bodySite with laterality, method
camera or robot encoder) and reps done vs prescribed, and the clinical assessments
dated that day (others go to ``sub-<label>/assessments_bundle.json``).

Codes: LOINC where a code for the measure is known (pain NRS 0-10: 72514-3); everything
else uses this app's local code system :data:`LOCAL_SYSTEM` (listed in the README).
:func:`check_observation` adds the checks the models do not make: required codes and the
value type and unit each measure must have.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from rehab.errors import DataFileError
from rehab.export.deid import Subject, parse_date
from rehab.export.reader import ExportDataset, ExportedSession
from rehab.export.run import Progress
from rehab.store import Assessment, SetRecord

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
LOCAL_SYSTEM = "urn:rehab:fhir:measure"
"""This app's code system for measures without a LOINC code (see the README)."""
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

PAIN_LOINC = "72514-3"
# SNOMED CT laterality qualifiers (the bodySite's laterality).
LATERALITY = {"left": ("7771000", "Left"), "right": ("24028007", "Right"),
              "both": ("51440002", "Right and left")}
ASSESSMENT_CODES: dict[str, tuple[str, str, str, str | None]] = {
    # instrument: (system, code, display, UCUM unit or None)
    "pain_nrs": (LOINC, PAIN_LOINC, "Pain severity 0-10 verbal numeric rating", None),
    "fugl_meyer_ue": (LOCAL_SYSTEM, "fugl-meyer-ue-motor", "Fugl-Meyer Assessment, upper "
                                                           "extremity motor (0-66)", None),
    "box_and_block": (LOCAL_SYSTEM, "box-and-block", "Box and Block Test (blocks/min)",
                      "/min"),
    "timed_up_and_go_s": (LOCAL_SYSTEM, "timed-up-and-go", "Timed Up and Go", "s"),
}
_INTEGER_CODES = {PAIN_LOINC, "borg-rpe"}


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}],
            "text": display}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY, "code": code}]}]


def _observation(subject: Subject, when: str, category: str, code: dict[str, Any],
                 **fields: Any) -> dict[str, Any]:
    obs = {"resourceType": "Observation", "id": str(uuid.uuid4()), "status": "final",
           "category": _category(category), "code": code,
           "subject": {"reference": f"Patient/{subject.label}"}, "effectiveDateTime": when,
           **fields}
    check_observation(obs)
    return Observation.model_validate(obs).model_dump(mode="json", exclude_none=True)


def check_observation(obs: dict[str, Any]) -> None:
    """Checks beyond the FHIR models: codes present, value type and unit per measure.

    Raises
    ------
    DataFileError
        A coding without system or code, a pain or RPE value that is not an integer in
        range, a ROM that is not a quantity in UCUM ``deg``, or no value at all.
    """
    codings = obs.get("code", {}).get("coding", [])
    if not codings or not all(c.get("system") and c.get("code") for c in codings):
        raise DataFileError(f"observation without a coded code: {obs.get('code')}")
    code = codings[0]["code"]
    if code in _INTEGER_CODES:
        value = obs.get("valueInteger")
        lo, hi = (0, 10) if code == PAIN_LOINC else (6, 20)
        if not isinstance(value, int) or not lo <= value <= hi:
            raise DataFileError(f"{code} needs valueInteger {lo}-{hi}, got {value!r}")
    elif code == "rom-max":
        q = obs.get("valueQuantity", {})
        if q.get("system") != UCUM or q.get("code") != "deg" or "bodySite" not in obs:
            raise DataFileError(f"ROM needs a UCUM deg quantity and a bodySite: {q}")
    elif not any(k.startswith("value") for k in obs) and "component" not in obs:
        raise DataFileError(f"observation {code} has no value")


def _when(subject: Subject, iso_utc: str) -> str:
    return subject.datetime(iso_utc).isoformat() + "+00:00"


def _body_site(exercise_id: str, side: str) -> dict[str, Any]:
    joint = exercise_id.split("_")[0]
    site = {"coding": [{"system": LOCAL_SYSTEM, "code": f"joint-{joint}",
                        "display": joint}], "text": f"{side} {joint}"}
    if side in LATERALITY:
        code, display = LATERALITY[side]
        site["extension"] = [{
            "url": "http://hl7.org/fhir/StructureDefinition/bodySite-laterality",
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code,
                                                 "display": display}]}}]
    return site


def _exercise_observations(subject: Subject, when: str, sets: list[SetRecord],
                           robot_used: bool | None) -> list[dict[str, Any]]:
    by_exercise: dict[tuple[str, str], list[SetRecord]] = {}
    for s in sets:
        by_exercise.setdefault((s.exercise_id, str(s.side)), []).append(s)
    method = ("robot-encoder", "Robot joint encoder") if robot_used else (
        "camera-pose", "Camera pose estimation")
    out = []
    for (exercise_id, side), group in by_exercise.items():
        roms = [s.max_rom_deg for s in group if s.max_rom_deg is not None]
        component = [{"code": _coding(LOCAL_SYSTEM, "exercise", "Exercise"),
                      "valueString": exercise_id}]
        if roms:
            out.append(_observation(
                subject, when, "exam", _coding(LOCAL_SYSTEM, "rom-max",
                                               "Best range of motion of an exercise"),
                valueQuantity={"value": round(max(roms), 2), "unit": "deg", "system": UCUM,
                               "code": "deg"},
                bodySite=_body_site(exercise_id, side),
                method=_coding(LOCAL_SYSTEM, *method), component=component))
        out.append(_observation(
            subject, when, "therapy", _coding(LOCAL_SYSTEM, "reps", "Repetitions"),
            component=[*component,
                       {"code": _coding(LOCAL_SYSTEM, "reps-done", "Repetitions done"),
                        "valueInteger": sum(s.reps_done for s in group)},
                       {"code": _coding(LOCAL_SYSTEM, "reps-prescribed",
                                        "Repetitions prescribed"),
                        "valueInteger": sum(s.reps_target for s in group)}]))
    return out


def _assessment(subject: Subject, a: Assessment) -> dict[str, Any]:
    system, code, display, unit = ASSESSMENT_CODES[a.instrument]
    when = subject.date(parse_date(a.assessed_on)).isoformat()
    if code == PAIN_LOINC:
        return _observation(subject, when, "survey", _coding(system, code, display),
                            valueInteger=round(a.score))
    value: dict[str, Any] = {"value": a.score}
    if unit:
        value.update(unit=unit, system=UCUM, code=unit)
    return _observation(subject, when, "exam", _coding(system, code, display),
                        valueQuantity=value)


def session_observations(dataset: ExportDataset, item: ExportedSession,
                         assessments: Iterable[Assessment]) -> list[dict[str, Any]]:
    """Every Observation of one session (and of the assessments given)."""
    s, subject = item.session, item.subject
    start = _when(subject, s.started_at)
    end = _when(subject, s.ended_at or s.started_at)
    pain = _coding(LOINC, PAIN_LOINC, "Pain severity 0-10 verbal numeric rating")
    obs = []
    for value, when, phase in ((s.pain_before, start, "before"), (s.pain_after, end, "after")):
        if value is not None:
            code = {**pain, "coding": [*pain["coding"], {
                "system": LOCAL_SYSTEM, "code": f"pain-{phase}-session",
                "display": f"Pain {phase} the session"}], "text": f"Pain {phase} session"}
            obs.append(_observation(subject, when, "survey", code, valueInteger=value))
    if s.borg_rpe is not None:
        obs.append(_observation(subject, end, "survey", _coding(
            LOCAL_SYSTEM, "borg-rpe", "Borg rating of perceived exertion (6-20)"),
            valueInteger=s.borg_rpe))
    obs += _exercise_observations(subject, start, dataset.sets(item), s.robot_used)
    obs += [_assessment(subject, a) for a in assessments]
    return obs


def _bundle(subject: Subject, observations: list[dict[str, Any]]) -> dict[str, Any]:
    patient = Patient.model_validate({
        "resourceType": "Patient", "id": subject.label,
        "gender": subject.sex if subject.sex in ("female", "male", "other") else "unknown",
    }).model_dump(mode="json", exclude_none=True)
    entries = [{"fullUrl": f"urn:uuid:{r['id']}" if r["resourceType"] == "Observation"
                else f"Patient/{subject.label}", "resource": r}
               for r in [patient, *observations]]
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection",
                                  "entry": entries}).model_dump(mode="json",
                                                                exclude_none=True)


def write(dataset: ExportDataset, folder: Path, progress: Progress) -> dict[str, int]:
    """Write one Bundle per session (and one for assessments on other days)."""
    counts = {"bundles": 0, "observations": 0}
    for subject in dataset.subjects:
        sub = folder / f"sub-{subject.label}"
        sub.mkdir()
        assessments = dataset.assessments(subject)
        used: set[int] = set()
        for item in dataset.sessions_of(subject):
            day = parse_date(item.session.started_at)
            same_day = [a for a in assessments
                        if a.id not in used and parse_date(a.assessed_on) == day]
            used.update(a.id for a in same_day)
            obs = session_observations(dataset, item, same_day)
            _save(sub / f"ses-{item.label}_bundle.json", _bundle(subject, obs))
            counts["bundles"] += 1
            counts["observations"] += len(obs)
            progress(1)
        rest = [_assessment(subject, a) for a in assessments if a.id not in used]
        if rest:
            _save(sub / "assessments_bundle.json", _bundle(subject, rest))
            counts["bundles"] += 1
            counts["observations"] += len(rest)
    return counts


def _save(path: Path, bundle: dict[str, Any]) -> None:
    path.write_text(json.dumps(bundle, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
