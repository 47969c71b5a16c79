#!/usr/bin/env python3
"""Derives the reference margins shipped with Contribuez from INSEE data.

Input: shared/data/insee-census-margins (see its README):
  pop_region_sex_age5_2021.csv   population 1 Jan 2021 by région × sex × 5-year age band
  pop_dep_sex_age5_1975_2021.csv population by département (2018 row used for commune size)
  rp2018_communes_2000plus.csv   census 2018, communes of more than 2,000 inhabitants
Output: Sources/ContribuezAnalysis/ReferenceMargins+France.swift (generated, do not edit).

Choices (stated in each margin's `universe` and `note`, shown by the dashboard):
- Universe: adults 18+ for sex, age band and région, since a public consultation's
  participants are (overwhelmingly) adults and the profile questionnaire starts at 18.
  INSEE's bands are 5-year bands starting at 15-19; 18-19 is taken as 2/5 of 15-19
  (uniform ages within the band), as the data's README suggests.
- Diploma and PCS come from the 2018 census and only exist for the population aged 15+
  (diploma: 15+ out of school; PCS: labour force 15+), and only for communes of more than
  2,000 inhabitants (82 % of the population): both limits are stated in the margin.
- PCS: the census file gives the six PCS groups of the labour force only; everyone else
  aged 15+ (retired, students, other inactive people, unemployed who never worked) forms
  one category "sans activité professionnelle", so that the margin covers all 15+.
- Size of commune: all ages (no age split per commune). Communes of more than 2,000
  inhabitants are classed by their census 2018 population; the rest of the population
  (INSEE estimate for 1 Jan 2018, without Mayotte, which has no commune in the census
  file) forms the class "moins de 2 000 habitants".

Usage: python3 scripts/derive-margins.py [--data DIR] [--out FILE]   (standard library only)
"""
import argparse
import csv
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ESTIMATES = ("INSEE, Estimation de population au 1er janvier, par département, sexe et âge quinquennal "
             "(données provisoires, mise à jour du 29 mars 2021)")
ESTIMATES_URL = "https://www.insee.fr/fr/statistiques/1893198"
CENSUS = "INSEE, Recensement de la population 2018 (communes de plus de 2 000 habitants)"
CENSUS_URL = "https://www.insee.fr/fr/information/5369871"

AGE_BANDS = [("18-24", "18 à 24 ans"), ("25-34", "25 à 34 ans"), ("35-44", "35 à 44 ans"),
             ("45-54", "45 à 54 ans"), ("55-64", "55 à 64 ans"), ("65-74", "65 à 74 ans"),
             ("75+", "75 ans et plus")]


def adult_band(band):
    """The questionnaire band of an INSEE 5-year band, with the weight of that band in it."""
    if band in ("0-4", "5-9", "10-14"):
        return []
    if band == "15-19":
        return [("18-24", 2 / 5)]
    if band == "95+":
        return [("75+", 1.0)]
    lo = int(band.split("-")[0])
    for code, _ in AGE_BANDS:
        if code.endswith("+"):
            return [(code, 1.0)]
        a, b = map(int, code.split("-"))
        if a <= lo <= b:
            return [(code, 1.0)]
    raise ValueError(band)


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def swift_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def margin(dimension, label, cats, universe, source, url, year, note):
    total = sum(v for _, _, v in cats)
    return dict(dimension=dimension, label=label, universe=universe, source=source, url=url, year=year,
                note=note, categories=[(c, l, v / total) for c, l, v in cats], total=total)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "insee-census-margins"))
    parser.add_argument("--out", default=str(ROOT / "Sources" / "ContribuezAnalysis" / "ReferenceMargins+France.swift"))
    args = parser.parse_args()
    data = Path(args.data)

    regions = read(data / "pop_region_sex_age5_2021.csv")
    sex = defaultdict(float)
    age = defaultdict(float)
    region = defaultdict(float)
    region_names = {}
    for r in regions:
        for band, part in adult_band(r["age_band"]):
            p = float(r["population"]) * part
            sex[r["sex"]] += p
            age[band] += p
            region[r["reg_code"]] += p
            region_names[r["reg_code"]] = r["reg_name"]

    universe_adults = "personnes de 18 ans ou plus, France métropolitaine et DOM"
    note_adults = "18-19 ans estimés à 2/5 de la tranche 15-19 ans ; estimations provisoires"
    margins = [
        margin("sex", "Sexe", [("F", "Femme", sex["F"]), ("M", "Homme", sex["M"])],
               universe_adults, ESTIMATES, ESTIMATES_URL, 2021, note_adults),
        margin("age", "Tranche d'âge", [(c, l, age[c]) for c, l in AGE_BANDS],
               universe_adults, ESTIMATES, ESTIMATES_URL, 2021, note_adults),
        margin("region", "Région", [(c, region_names[c], region[c]) for c in sorted(region)],
               universe_adults, ESTIMATES, ESTIMATES_URL, 2021, note_adults),
    ]

    communes = read(data / "rp2018_communes_2000plus.csv")
    f = lambda k: sum(float(r[k]) for r in communes)
    size_classes = [("moins-2000", "moins de 2 000 habitants", 0, 2000),
                    ("2000-9999", "2 000 à 9 999 habitants", 2000, 10000),
                    ("10000-49999", "10 000 à 49 999 habitants", 10000, 50000),
                    ("50000-199999", "50 000 à 199 999 habitants", 50000, 200000),
                    ("200000-plus", "200 000 habitants ou plus", 200000, float("inf"))]
    size = defaultdict(float)
    for r in communes:
        p = float(r["pop_tot"])
        for code, _, lo, hi in size_classes:
            if lo <= p < hi:
                size[code] += p
    deps = read(data / "pop_dep_sex_age5_1975_2021.csv")
    total_2018 = sum(float(r["population"]) for r in deps if r["year"] == "2018" and r["dep_code"] != "976")
    size["moins-2000"] = total_2018 - sum(size.values())
    margins.append(margin(
        "commune_size", "Taille de la commune", [(c, l, size[c]) for c, l, _, _ in size_classes],
        "toute la population, France métropolitaine et DOM hors Mayotte",
        CENSUS + " ; " + ESTIMATES, CENSUS_URL, 2018,
        "moins de 2 000 habitants = estimation de population 2018 moins la population des communes de plus de 2 000 habitants"))

    diplomas = [("aucun", "Aucun diplôme ou certificat d'études primaires", "pop_dipl_aucun"),
                ("bepc", "BEPC, brevet des collèges", "pop_dipl_bepc"),
                ("cap-bep", "CAP, BEP", "pop_dipl_capbep"),
                ("bac", "Baccalauréat", "pop_dipl_bac"),
                ("bac+2", "Bac +2", "pop_dipl_sup2"),
                ("bac+3-4", "Bac +3 ou +4", "pop_dipl_sup34"),
                ("bac+5", "Bac +5 ou plus", "pop_dipl_sup")]
    margins.append(margin(
        "diploma", "Diplôme le plus élevé", [(c, l, f(k)) for c, l, k in diplomas],
        "personnes de 15 ans ou plus sorties du système scolaire, communes de plus de 2 000 habitants",
        CENSUS, CENSUS_URL, 2018, "les communes rurales (moins de 2 000 habitants) sont absentes de la source"))

    pcs = [("agriculteurs", "Agriculteurs exploitants", "pop_agric"),
           ("artisans-commercants", "Artisans, commerçants, chefs d'entreprise", "pop_indep"),
           ("cadres", "Cadres et professions intellectuelles supérieures", "pop_cadres"),
           ("intermediaires", "Professions intermédiaires", "pop_interm"),
           ("employes", "Employés", "pop_empl"),
           ("ouvriers", "Ouvriers", "pop_ouvr")]
    pcs_cats = [(c, l, f(k)) for c, l, k in pcs]
    adults15 = f("pop_tot") - f("pop_0_14")
    pcs_cats.append(("sans-activite", "Retraités, étudiants et autres sans activité professionnelle",
                     adults15 - sum(v for _, _, v in pcs_cats)))
    margins.append(margin(
        "pcs", "Catégorie socioprofessionnelle", pcs_cats,
        "personnes de 15 ans ou plus, communes de plus de 2 000 habitants", CENSUS, CENSUS_URL, 2018,
        "PCS des actifs ; les autres personnes de 15 ans ou plus (retraités, étudiants, autres inactifs, "
        "chômeurs n'ayant jamais travaillé) forment une seule catégorie"))

    lines = [
        "// Generated by scripts/derive-margins.py from shared/data/insee-census-margins. Do not edit.",
        "",
        "extension ReferenceMargins {",
        "    /// Reference margins for France, derived from INSEE data; each carries its source and year.",
        "    public static let france: [ReferenceMargin] = [",
    ]
    for m in margins:
        lines += [
            "        ReferenceMargin(",
            f"            dimension: {swift_string(m['dimension'])}, label: {swift_string(m['label'])},",
            f"            universe: {swift_string(m['universe'])},",
            f"            source: {swift_string(m['source'])},",
            f"            sourceURL: {swift_string(m['url'])}, year: {m['year']},",
            f"            note: {swift_string(m['note'])},",
            f"            population: {m['total']:.2f},",
            "            categories: [",
        ]
        for c, l, s in m["categories"]:
            lines.append(f"                .init(code: {swift_string(c)}, label: {swift_string(l)}, share: {s!r}),")
        lines += ["            ]", "        ),"]
    lines += ["    ]", "}", ""]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    for m in margins:
        print(m["dimension"], f"{m['total']:.0f}", [(c, round(s, 4)) for c, _, s in m["categories"]])


if __name__ == "__main__":
    main()
