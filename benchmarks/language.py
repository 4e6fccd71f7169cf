"""Language identification and tokenisation: accuracy on short texts and speed (run on demand).

    PYTHONPATH=. python benchmarks/language.py      # writes benchmarks/language_results.md

Language ID (metrics.language.identify: py3langid restricted to major languages) against the full
97-language py3langid model and the old function-word guess (metrics.properties.language_guess):
* hand-written short sentences, 15 languages (benchmarks/data/short_sentences.tsv);
* English headlines of ../shared/corpora/clickbait (real text: every one is English);
* Faker word lists strung to 3, 6, 12 and 25 words, 15 locales (word salad in a real language).
Tokenisation (metrics.text): Chinese word-boundary F1 of jieba, ICU and single characters against a
hand segmentation (benchmarks/data/zh_segmented.txt), and throughput of the tokenizer.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("AUDIT_CORPORA", ROOT.parent / "shared" / "corpora"))  # set it from a worktree
DATA = ROOT / "benchmarks" / "data"
LOCALES = {"en_US": "en", "de_DE": "de", "fr_FR": "fr", "es_ES": "es", "it_IT": "it", "nl_NL": "nl",
           "pl_PL": "pl", "cs_CZ": "cs", "ru_RU": "ru", "uk_UA": "uk", "el_GR": "el", "vi_VN": "vi",
           "zh_CN": "zh", "ja_JP": "ja", "th_TH": "th"}
SPACELESS = {"zh_CN", "ja_JP", "th_TH"}


def full_model():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from metrics.language import MAX_CHARS

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda t: ident.classify(t[:MAX_CHARS])[0]


def identifiers():
    from metrics.language import identify
    from benchmarks.language_baseline import language_guess

    return {"py3langid, major languages (used)": lambda t: identify(t)[0],
            "py3langid, all 97 languages": full_model(),
            "old function-word guess": language_guess}


def old_ok(label: str, lang: str) -> bool:
    """The old guess only says english / other_latin / non_latin / undetermined."""
    if lang == "en":
        return label in ("english", "undetermined")
    return label in ("other_latin", "non_latin")


def accuracy(ident_name, fn, items) -> float:
    ok = 0
    for lang, text in items:
        label = fn(text)
        ok += old_ok(label, lang) if ident_name.startswith("old") else (label == lang)
    return ok / len(items)


def short_sentences():
    out = []
    for line in (DATA / "short_sentences.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, text = line.split("\t")
            out.append((lang, text))
    return out


def faker_items(n_words: int, per_locale: int = 60):
    from faker import Faker

    items = []
    for loc, lang in LOCALES.items():
        fake = Faker(loc)
        fake.seed_instance(n_words)
        sep = "" if loc in SPACELESS else " "
        items += [(lang, sep.join(fake.words(n_words))) for _ in range(per_locale)]
    return items


def headlines(limit: int):
    out = []
    for name in ("news.jsonl", "clickbait.jsonl"):
        with open(CORPORA / "clickbait" / name, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i >= limit:
                    break
                out.append(("en", json.loads(line)["text"]))
    return out


def boundary_f1(pred, gold) -> float:
    def cuts(tokens):
        pos, out = 0, set()
        for t in tokens:
            pos += len(t)
            out.add(pos)
        return out
    p, g = cuts(pred), cuts(gold)
    return 2 * len(p & g) / (len(p) + len(g))


def rate(fn, texts, repeat: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(repeat):
        for x in texts:
            fn(x)
    return repeat * len(texts) / (time.perf_counter() - t)


def main() -> None:
    from metrics import text as T
    from metrics.language import LanguageMix
    from audit.documents import Document

    load = os.getloadavg()
    lines = ["# Language identification and tokenisation", "",
             f"Run by `benchmarks/language.py`. Machine: {os.cpu_count()} cores shared with other agents; "
             f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min), so speeds are "
             "lower bounds.", ""]
    ids = identifiers()
    sets = {"hand-written short sentences (15 languages, 6 each)": short_sentences(),
            "English headlines, clickbait news + clickbait (all English)": headlines(4000)}
    for n in (3, 6, 12, 25):
        sets[f"Faker word lists, {n} words (15 locales x 60)"] = faker_items(n)
    lines += ["## Language ID accuracy on short texts", "",
              "Share of texts given the right language. The old guess is scored leniently: right when it says "
              "english/undetermined for English and other_latin/non_latin for anything else (it cannot name a "
              "language).", "",
              "| test set | texts | " + " | ".join(ids) + " |", "|---|---:|" + "---:|" * len(ids)]
    for name, items in sets.items():
        accs = [accuracy(k, fn, items) for k, fn in ids.items()]
        lines.append(f"| {name} | {len(items)} | " + " | ".join(f"{100 * a:.1f}%" for a in accs) + " |")
    used = ids["py3langid, major languages (used)"]
    wrong = Counter(used(t) for _, t in sets["English headlines, clickbait news + clickbait (all English)"])
    lines += ["", "Labels the used identifier gives the 8,000 English headlines: " +
              ", ".join(f"{k} {v}" for k, v in wrong.most_common(8)) + ".", ""]
    per_lang = Counter()
    per_tot = Counter()
    for lang, t in sets["Faker word lists, 6 words (15 locales x 60)"]:
        per_tot[lang] += 1
        per_lang[lang] += used(t) == lang
    lines += ["Per language, 6-word Faker texts (used identifier): " +
              ", ".join(f"{k} {100 * per_lang[k] / per_tot[k]:.0f}%" for k in sorted(per_tot)) + ".", ""]

    heads = [t for _, t in sets["English headlines, clickbait news + clickbait (all English)"]]
    with open(CORPORA / "fastdetect" / "xsum_gpt-4" / "real.jsonl", encoding="utf-8") as f:
        paras = [json.loads(line)["text"] for line in f]
    docs = [Document(id=str(i), text=t) for i, t in enumerate(heads)]
    mix = LanguageMix()
    lines += ["## Speed (documents per second, one core)", "",
              "| what | headlines | news paragraphs (XSum) |", "|---|---:|---:|",
              f"| identify (py3langid) | {rate(used, heads):,.0f} | {rate(used, paras, 3):,.0f} |",
              f"| LanguageMix.add (identify + script + hash + examples) | {rate(mix.add, docs):,.0f} | |"]
    zh = [t for t in (json.loads(x)["text"] for x in open(ROOT / "tests/data/multilingual/zh_real.jsonl"))]
    old = __import__("re").compile(r"\w+(?:['’]\w+)*|[^\w\s]")
    T._jieba()
    lines += [f"| tokenize, new (script-aware) | {rate(T.tokenize, heads):,.0f} | {rate(T.tokenize, paras, 3):,.0f} |",
              f"| tokenize, old regex only | {rate(lambda t: old.findall(t.casefold()), heads):,.0f} | "
              f"{rate(lambda t: old.findall(t.casefold()), paras, 3):,.0f} |", ""]
    brk = T._icu_word_breaker()
    icu = (lambda s: [w for w in brk(s, "zh") if w.strip()])
    jb = (lambda s: [w for w in T._jieba().lcut(s) if w.strip()])
    zh_chars = sum(map(len, zh))
    lines += ["Chinese (80 Faker paragraphs, "
              f"{zh_chars:,} characters): jieba {rate(jb, zh, 3) * zh_chars / len(zh):,.0f} chars/s, "
              f"ICU {rate(icu, zh, 3) * zh_chars / len(zh):,.0f} chars/s.", ""]

    gold = [line.split() for line in (DATA / "zh_segmented.txt").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    segs = {"jieba (used for Chinese)": jb, "ICU word break (used for Japanese, Thai, ...)": icu,
            "single characters": list, "old regex (a clause per token)": lambda s: old.findall(s)}
    lines += ["## Chinese word segmentation against a hand segmentation", "",
              f"{len(gold)} sentences segmented by hand (`benchmarks/data/zh_segmented.txt`); word-boundary F1 "
              "(a boundary is the character offset after a token; punctuation counts as a token).", "",
              "| segmenter | mean F1 | worst sentence |", "|---|---:|---:|"]
    for name, fn in segs.items():
        f1 = [boundary_f1(fn("".join(g)), g) for g in gold]
        lines.append(f"| {name} | {sum(f1) / len(f1):.3f} | {min(f1):.3f} |")
    end = os.getloadavg()
    lines += ["", f"Load average at the end: {end[0]:.1f}.", ""]
    (ROOT / "benchmarks" / "language_results.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
