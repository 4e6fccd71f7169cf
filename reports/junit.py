"""JUnit XML of the gate: one ``<testcase>`` per check, so CI systems list each check.

* a check whose status fails the run (``fail``, or one named in ``fail_on``) -> ``<failure>``
* ``insufficient`` / ``skipped`` (not in ``fail_on``) -> ``<skipped>``
* ``warn`` (not in ``fail_on``) -> passes, with the reason in ``<system-out>``
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

SUITE = "corpus-audit gate"


def render_junit(result) -> str:
    gate = result.gate or {}
    checks = gate.get("checks") or []
    fail_on = set(gate.get("fail_on") or ["fail"])
    suites = ET.Element("testsuites", name="corpus-audit")
    suite = ET.SubElement(suites, "testsuite", name=SUITE)
    props = ET.SubElement(suite, "properties")  # first child, as the JUnit schema wants
    for k, v in (("gate_status", gate.get("status", "none")), ("config", gate.get("config") or ""),
                 ("note", gate.get("note") or "")):
        ET.SubElement(props, "property", name=k, value=str(v))
    n_fail = n_skip = 0
    family = {m.name: m.family for m in result.metrics}
    for c in checks:
        case = ET.SubElement(suite, "testcase", name=c["name"],
                             classname=f"corpus-audit.{family.get(c['metric'], 'gate')}")
        status = c["status"]
        message = f"{status}: {c['why']}"
        if status in fail_on:
            n_fail += 1
            fail = ET.SubElement(case, "failure", message=message, type=status)
            fail.text = (f"{c['name']}\nactual: {c['actual']}\nthreshold: {c['threshold']} ({c['threshold_expr']})\n"
                         f"severity: {c['severity']}\nconfig line: {c.get('line')}\n{c['why']}")
        elif status in ("insufficient", "skipped"):
            n_skip += 1
            ET.SubElement(case, "skipped", message=message)
        else:
            out = ET.SubElement(case, "system-out")
            out.text = message
    suite.set("tests", str(len(checks)))
    suite.set("failures", str(n_fail))
    suite.set("errors", "0")
    suite.set("skipped", str(n_skip))
    suites.set("tests", str(len(checks)))
    suites.set("failures", str(n_fail))
    suites.set("errors", "0")
    suites.set("skipped", str(n_skip))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!-- corpus-audit -->\n' + ET.tostring(
        suites, encoding="unicode") + "\n"
