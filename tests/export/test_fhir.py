"""FHIR R4 bundles: parse back, codes, value types, and the checks that refuse bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from rehab.errors import DataFileError
from rehab.export.fhir import LOCAL_SYSTEM, PAIN_LOINC, UCUM, check_observation
from rehab.export.reader import ExportSelection
from rehab.export.run import run_export
from rehab.store import Store
from tests.export.conftest import Centre


def _observations(centre: Centre, out: Path, code: str) -> list[dict]:
    with Store.open(centre.data_dir).as_system() as store:
        run_export(store.as_user(centre.researcher_id), "fhir", out,
                   ExportSelection((code,)))
    (bundle_file,) = out.glob("sub-*/ses-01_bundle.json")
    bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
    Bundle.model_validate(bundle)  # the whole bundle parses back as FHIR
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation"]


def _by_code(observations: list[dict], code: str) -> list[dict]:
    return [o for o in observations if o["code"]["coding"][0]["code"] == code]


def test_a_session_bundle_holds_its_measures_with_their_codes(centre: Centre,
                                                              tmp_path: Path) -> None:
    obs = _observations(centre, tmp_path / "fhir", centre.demo_code)
    with Store.open(centre.data_dir).as_system() as store:
        patient = store.patients.by_code(centre.demo_code)
        (session,) = store.sessions.for_patient(patient.id)
        sets = store.sessions.sets(session.id)
    pains = _by_code(obs, PAIN_LOINC)
    # pain_after 4 from the session, and the pain NRS assessment (5) of the same day
    assert sorted(p["valueInteger"] for p in pains) == [4, 5]
    assert all(p["code"]["coding"][0]["system"] == "http://loinc.org" for p in pains)
    (rpe,) = _by_code(obs, "borg-rpe")
    assert rpe["valueInteger"] == 12
    (rom,) = _by_code(obs, "rom-max")
    assert rom["valueQuantity"] == {"value": round(max(s.max_rom_deg for s in sets), 2),
                                    "unit": "deg", "system": UCUM, "code": "deg"}
    laterality = rom["bodySite"]["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert laterality["code"] == "51440002"  # both sides: a bilateral exercise
    assert rom["method"]["coding"][0]["code"] == "robot-encoder"
    (reps,) = _by_code(obs, "reps")
    done = {c["code"]["coding"][0]["code"]: c.get("valueInteger") for c in reps["component"]}
    assert (done["reps-done"], done["reps-prescribed"]) == (6, 6)
    (fma,) = _by_code(obs, "fugl-meyer-ue-motor")
    assert fma["valueQuantity"]["value"] == 31 and fma["code"]["coding"][0]["system"] == \
        LOCAL_SYSTEM
    assert all(o["effectiveDateTime"][:4] <= "1925" for o in obs)


@pytest.mark.parametrize("bad", [
    {"code": {"coding": [{"system": "http://loinc.org", "code": PAIN_LOINC}]},
     "valueInteger": 11},
    {"code": {"coding": [{"system": "http://loinc.org", "code": PAIN_LOINC}]},
     "valueQuantity": {"value": 3}},
    {"code": {"coding": [{"system": LOCAL_SYSTEM, "code": "rom-max"}]},
     "valueQuantity": {"value": 90, "unit": "degrees"}, "bodySite": {}},
    {"code": {"coding": [{"code": "x"}]}, "valueInteger": 1},
    {"code": {"coding": [{"system": LOCAL_SYSTEM, "code": "reps"}]}},
])
def test_own_checks_refuse_wrong_codes_and_value_types(bad: dict) -> None:
    with pytest.raises(DataFileError):
        check_observation(bad)
