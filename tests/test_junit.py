"""JUnit XML: one testcase per check; failure for what fails the run, skipped for insufficient/skipped."""
import xml.etree.ElementTree as ET

from audit.gate import evaluate
from reports.junit import render_junit
from tests.test_gate import chk, entry, make_result, standard_result


def parse(result):
    return ET.fromstring(render_junit(result).split("\n", 2)[2])


def test_one_testcase_per_check_with_the_right_element():
    res = standard_result()
    res.metrics.append(entry("pii_rate", real=None, synth=None, verdict="insufficient", family="bias"))
    checks = [chk("vendi_score", ">=", 10), chk("near_duplicate_rate", "<=", 0.02),
              chk("vendi_score", ">=", 16, severity="warn"), chk("pii_rate", "<=", 0),
              chk("gender_term_share", "<=", 1)]
    res.gate = evaluate(checks, res, config="audit.toml").to_dict()
    root = parse(res)
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")) == ("5", "1", "2", "0")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.describe() for c in checks]
    assert cases[0].find("failure") is None and cases[0].find("skipped") is None
    fail = cases[1].find("failure")
    assert fail is not None and fail.get("type") == "fail" and "0.03 > 0.02" in fail.get("message")
    assert cases[1].get("classname") == "corpus-audit.duplication"
    assert cases[2].find("failure") is None and "warn" in cases[2].find("system-out").text
    assert "insufficient data" in cases[3].find("skipped").get("message")
    assert cases[4].find("skipped") is not None  # metric not in this result
    assert suite[0].tag == "properties"


def test_fail_on_warn_makes_warn_a_failure():
    res = standard_result()
    res.gate = evaluate([chk("vendi_score", ">=", 16, severity="warn")], res, fail_on=("fail", "warn")).to_dict()
    case = parse(res).find("testsuite/testcase")
    assert case.find("failure").get("type") == "warn"


def test_no_gate_is_an_empty_valid_suite():
    root = parse(make_result(entry("vendi_score", real=1.0, synth=1.0)))
    assert root.find("testsuite").get("tests") == "0"
