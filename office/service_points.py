"""A service point's counters and officers, published by the back office, pulled by its hub.

The back office (a token with the ``publish`` scope, or ``kiosk backend publish-point``)
PUTs the point's counters and officers (PIN hashes only: a PIN in clear never reaches the
city); each publication gets the next version. The point's hub (its hub token, filed under
that unit) GETs it and applies a version it has not applied yet (``hub/setup_pull.py``).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from office.app import Hub, Publisher, StoreDep, UnitCode
from office.store.service_points import ServicePoints
from sync import hub_wire, wire

router = APIRouter()


@router.put(wire.Endpoint.SERVICE_POINT.value, response_model=hub_wire.PointSetupState,
            tags=["back office"],
            responses={404: {"description": "an unknown unit code"}})
def publish_point(unit_code: UnitCode, setup: hub_wire.PointSetup, caller: Publisher,
                  store: StoreDep) -> hub_wire.PointSetupState:
    """Publish a service point's counters and officers for its hub."""
    if not store.served_units.knows(unit_code):
        raise HTTPException(404, f"unknown unit code {unit_code}: not a Hà Nội commune or "
                            "ward nor a unit the operator loaded (kiosk backend load-units)")
    return ServicePoints(store.engine, clock=store.clock).publish(unit_code, setup, caller)


@router.get(wire.Endpoint.HUB_SERVICE_POINT.value, response_model=hub_wire.PointSetupState,
            tags=["hub"], responses={404: {"description": "nothing published for its unit"}})
def hub_point(caller: Hub, store: StoreDep) -> hub_wire.PointSetupState:
    """The calling hub's own service point's counters and officers."""
    found = ServicePoints(store.engine, clock=store.clock).setup(caller.unit_code)
    if found is None:
        raise HTTPException(404, f"no counters or officers published for unit "
                            f"{caller.unit_code}")
    return found
