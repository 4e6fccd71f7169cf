"""An AuditResult where data teams work: pandas frames, saved files and a notebook cell.

Mixed into :class:`audit.result.AuditResult`; everything here reads the result's own data (the JSON), so
a result loaded from disk gives the same frames as the one just computed. pandas is imported lazily.
"""
from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

# The kinds of flagged documents a user can filter on, and where their evidence lives in ``sections``.
# Duplicate kinds list synthetic documents that have a duplicate *within* the synthetic corpus (every
# member of a group but its first); copy kinds list synthetic documents that reproduce a real one.
DUPLICATE_KINDS = {"exact_duplicate": "exact", "near_duplicate": "near", "semantic_duplicate": "semantic"}
COPY_KINDS = {"exact_copy": "exact", "near_copy": "near", "ngram_copy": "ngram", "semantic_copy": "semantic"}
SAVE_FORMATS = {".json": "json", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
                ".xml": "junit"}


def _pd():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a runtime dependency
        raise ImportError("this needs pandas: pip install pandas") from None
    return pd


class ResultFrames:
    """Pandas, files and notebook views of an audit result (see :class:`audit.result.AuditResult`)."""

    # -- tables ----------------------------------------------------------------------------------
    def to_pandas(self):
        """One row per metric, with the columns of the JSON's metric rows (``ci``, ``details``... as dicts).

        Missing numbers are NaN, so numeric columns filter and sort as numbers; with NaN read back as
        None (``df.astype(object).where(df.notna(), None).to_dict("records")``) the rows equal
        ``result.to_dict()["metrics"]``.
        """
        pd = _pd()
        rows = self.to_dict()["metrics"]
        columns = list(rows[0]) if rows else []
        return pd.DataFrame(rows, columns=columns)

    def examples(self, kind: str):
        """The evidence the report shows for ``kind``, one row per document, as a DataFrame.

        ``kind``: one of :data:`DUPLICATE_KINDS` (columns ``group``, ``corpus``, ``size``, ``id``, ``text``),
        :data:`COPY_KINDS` or ``"copy"`` (``kind``, ``synth_id``, ``real_id``, ``similarity``, ``synth_text``,
        ``real_text``), or ``"defect:<name>"`` / a defect metric name (``corpus``, ``id``, ``text`` and the
        detector's own fields).
        """
        pd = _pd()
        return pd.DataFrame(self._example_rows(kind))

    def flagged_ids(self, kind: str) -> list[str]:
        """Ids of the *synthetic* documents flagged as ``kind``, sorted: filter your corpus with them.

        Where the audit listed every flagged document (``sections["flagged"][kind]``), this is all of them;
        otherwise it is the documents shown as evidence in the report, and a warning says the list is
        partial.
        """
        flagged = (self.sections.get("flagged") or {}).get(kind)
        if isinstance(flagged, dict) and "ids" in flagged:
            if flagged.get("truncated"):
                _warn(f"{kind}: the result lists {len(flagged['ids'])} of {flagged.get('total')} flagged ids")
            return sorted(map(str, flagged["ids"]))
        rows = self._example_rows(kind)
        if kind in DUPLICATE_KINDS:
            ids = {r["id"] for r in rows if r["corpus"] == "synth" and not r["first"]}
        elif kind in COPY_KINDS or kind == "copy":
            ids = {r["synth_id"] for r in rows}
        else:
            ids = {r["id"] for r in rows if r.get("corpus") == "synth"}
        if ids:
            _warn(f"{kind}: ids from the report's examples only; the full list is not in this result")
        return sorted(str(i) for i in ids if i is not None)

    def _example_rows(self, kind: str) -> list[dict[str, Any]]:
        sections = self.sections or {}
        if kind in DUPLICATE_KINDS:
            rows = []
            by_corpus = (sections.get("duplicate_clusters") or {}).get(DUPLICATE_KINDS[kind]) or {}
            for corpus in ("real", "synth"):
                for g, cluster in enumerate(by_corpus.get(corpus) or []):
                    for j, m in enumerate(cluster.get("members") or []):
                        rows.append({"group": g, "corpus": corpus, "size": cluster.get("size"), "first": j == 0,
                                     "id": m.get("id"), "text": m.get("text")})
            return rows
        if kind in COPY_KINDS or kind == "copy":
            want = None if kind == "copy" else COPY_KINDS[kind]
            keys = ("kind", "synth_id", "real_id", "similarity", "synth_text", "real_text")
            return [{k: p.get(k) for k in keys} for p in sections.get("copied_pairs") or []
                    if want is None or p.get("kind") == want]
        name = kind.split(":", 1)[1] if kind.startswith("defect:") else kind
        defects = sections.get("defects") or {}
        entry = (defects.get("examples") or defects).get(name) if isinstance(defects, dict) else None
        if entry is None:
            known = sorted([*DUPLICATE_KINDS, *COPY_KINDS, "copy"] + [f"defect:{k}" for k in
                                                                     (defects.get("examples") or defects)])
            raise KeyError(f"unknown kind {kind!r}; this result has: {', '.join(known)}")
        rows = []
        for corpus in ("real", "synth"):
            for ex in (entry.get(corpus) or []) if isinstance(entry, dict) else []:
                rows.append({"corpus": corpus, **ex})
        return rows

    # -- files -----------------------------------------------------------------------------------
    def to_html(self) -> str:
        """The self-contained HTML report, as a string."""
        from reports.html import render_html

        return render_html(self)

    def to_markdown(self) -> str:
        """The Markdown summary (fits a PR comment), as a string."""
        from reports.markdown import render_markdown

        return render_markdown(self)

    def save(self, path: str | os.PathLike, *, force: bool = False) -> Path:
        """Write the result as JSON, HTML, Markdown or JUnit, chosen by the extension; atomically.

        An existing file that corpus-audit did not write is only replaced with ``force=True``.
        ``AuditResult.load(path)`` reads a saved JSON back.
        """
        from audit.outputs import write_output
        from audit.errors import ConfigError

        path = Path(path)
        fmt = SAVE_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ConfigError(f"{path}: unknown report format {path.suffix!r}; use one of "
                              f"{', '.join(sorted(SAVE_FORMATS))}")
        if fmt == "json":
            text = self.to_json()
        elif fmt == "html":
            text = self.to_html()
        elif fmt == "markdown":
            text = self.to_markdown()
        else:
            from reports.junit import render_junit

            text = render_junit(self)
        write_output(str(path), text, [], force)
        return path

    # -- notebooks -------------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        """A compact notebook cell: the verdict, the counts, the score if any, and the top findings."""
        data = self.to_dict()
        summary = data.get("summary") or {}
        verdict = str(summary.get("verdict", "ok"))
        colour = {"fail": "#b00020", "warn": "#a15c00"}.get(verdict, "#1b5e20")
        counts = summary.get("counts") or {}
        shown = ", ".join(f"{counts[k]} {k}" for k in ("fail", "warn", "ok", "insufficient") if counts.get(k))
        score = summary.get("score")
        if isinstance(score, dict):
            score = score.get("overall", score.get("value"))
        score_html = f" · score <b>{html.escape(_num(score))}</b>/100" if isinstance(score, (int, float)) else ""
        banner = summary.get("banner") or summary.get("sentence") or ""
        inputs = data.get("inputs") or {}
        sizes = " vs ".join(f"{html.escape(side)} {((inputs.get(side) or {}).get('n_documents') or 0):,} docs"
                            for side in ("real", "synth") if side in inputs)
        items = "".join(f"<li>{html.escape(str(h))}</li>" for h in (summary.get("headline") or [])[:5])
        return (
            '<div class="corpus-audit" style="font-family:system-ui,sans-serif;line-height:1.4">'
            f'<div style="border-left:6px solid {colour};padding:4px 10px">'
            f'<b style="color:{colour}">{html.escape(verdict.upper())}</b>{score_html} · {html.escape(shown)}'
            f'{" · " + sizes if sizes else ""}'
            f'{"<div>" + html.escape(str(banner)) + "</div>" if banner else ""}</div>'
            f'{"<ol>" + items + "</ol>" if items else "<p>No finding beyond the real corpus&#x27;s own noise.</p>"}'
            '<div style="color:#666;font-size:90%">result.to_pandas() for every row · result.save("report.html") '
            "for the full report</div></div>"
        )


def _num(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.2g}"


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, stacklevel=3)
