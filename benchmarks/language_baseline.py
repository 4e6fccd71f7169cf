"""The function-word language guess metrics/properties.py used before the language family (removed there),
kept here only as the baseline that benchmarks/language.py measures against."""
import re
import unicodedata

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
_STOP = {
    "en": {"the", "and", "of", "to", "in", "is", "for", "that", "with", "on", "was", "are", "as", "it",
           "this", "be", "at", "by", "from", "you", "your", "have", "not", "what", "how", "why", "will",
           "an", "or", "can", "after", "about", "we", "they", "he", "she", "his", "her", "who", "new"},
    "es": {"el", "los", "las", "del", "por", "una", "para", "con", "que", "es", "y", "se", "su"},
    "fr": {"le", "les", "des", "est", "une", "pour", "dans", "qui", "et", "du", "au", "sur", "pas"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "ein", "eine", "den", "von", "zu", "auf"},
    "it": {"il", "della", "che", "per", "gli", "non", "sono", "di", "una", "nel", "è", "le"},
    "pt": {"os", "das", "não", "uma", "para", "com", "que", "em", "ao", "dos", "é", "se"},
}


def language_guess(text: str) -> str:
    """A cheap offline script/language guess: ``english``, ``other_latin``, ``undetermined``,
    ``non_latin`` or ``no_letters``.

    What it detects: whether most letters are Latin script, and, if so, whether English function words
    outnumber Spanish/French/German/Italian/Portuguese ones (``english``) or the reverse
    (``other_latin``). A Latin-script text with none of these words (common in headlines and titles) is
    ``undetermined``, not foreign. It cannot tell other languages apart and misjudges very short texts.
    """
    if text.isascii():
        if not any(c.isalpha() for c in text):
            return "no_letters"
    else:
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return "no_letters"
        latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
        if latin < 0.5 * len(letters):
            return "non_latin"
    ws = [w.lower() for w in _WORD.findall(text)]
    counts = {lang: sum(1 for w in ws if w in s) for lang, s in _STOP.items()}
    other = max(v for lang, v in counts.items() if lang != "en")
    if counts["en"] == 0 and other == 0:
        return "undetermined"
    return "english" if counts["en"] >= other else "other_latin"
