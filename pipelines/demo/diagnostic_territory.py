"""The demo territory: its 12 fictional communes in the producers' own layouts, so that the demo goes
through the territory adapters like a real authority's downloads.

Written under ``exports/diagnostic/``: the INSEE commune list (COG, ``commune_2025.csv``, with a few
neighbouring communes outside the authority and a delegated commune, as in a national file), INSEE's
legal populations, the INSEE density grid (XLSX with its title rows and line-broken headers),
MedNum's digital fragility index (``;``, decimal comma) and Arcep's « Ma connexion internet »
eligibility by commune (a disclaimer line above the header). Deterministic: the smaller and more
rural the commune, the more fragile (IFN above 100) and the less covered by very-high-speed
broadband.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from pipelines.demo.generate import COMMUNES

# neighbours in the same (fictional) département, outside the authority: a national file holds them
NEIGHBOURS = (("39913", "Villeneuve-sur-Sorne", 2200), ("39914", "Le Pin-du-Revermont", 640))
DELEGATED = ("39905", "Revermont-le-Bas")  # a delegated commune (COMD) of Villers-en-Revermont


def fragility(population: int, i: int) -> float:
    """IFN (100 = reference average): higher in small communes; a small fixed wobble per commune."""
    return round(250 - 45 * math.log10(population) + ((i * 7) % 5 - 2) * 1.5, 2)


def coverage(population: int) -> float:
    """Share of premises eligible to ≥ 30 Mbit/s: lower in small communes."""
    return min(0.98, max(0.25, 0.35 + 0.45 * (math.log10(population) - 2.4) / 1.5))


def density_level(population: int) -> tuple[str, str]:
    """The 7-level grid: small towns, rural towns, dispersed and very dispersed rural habitat."""
    if population >= 5000:
        return "4", "Petites villes"
    if population >= 2000:
        return "5", "Bourgs ruraux"
    if population >= 700:
        return "6", "Rural à habitat dispersé"
    return "7", "Rural à habitat très dispersé"


def _all(communes: tuple = COMMUNES) -> list[tuple[str, str, int]]:
    """The communes of a national file: the authority's (the demo's by default) and the neighbours."""
    return [*communes, *(n for n in NEIGHBOURS if n[0] not in {c[0] for c in communes})]


def write_cog(folder: Path, communes: tuple = COMMUNES) -> Path:
    lines = ["TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT"]
    for code, name, _ in _all(communes):
        upper = name.upper().replace("-", " ").replace("'", " ")
        tncc = "3" if name.startswith("La ") else "4" if name.startswith("Les ") else "0"
        lines.append(f'COM,{code},27,39,39D,392,{tncc},{upper},"{name}","{name}",3910,')
        if code == DELEGATED[0]:
            lines.append(
                f'COMD,{code},,,,,0,{DELEGATED[1].upper()},"{DELEGATED[1]}","{DELEGATED[1]}",,{code}'
            )
    path = folder / "commune_2025.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_populations(folder: Path, communes: tuple = COMMUNES) -> Path:
    lines = ["CODREG;REG;CODDEP;CODARR;CODCAN;CODCOM;COM;PMUN;PCAP;PTOT"]
    for code, name, pop in _all(communes):
        counted_apart = max(1, pop // 60)
        lines.append(
            f"27;Bourgogne-Franche-Comté;39;392;3910;{code[2:]};{name};{pop};{counted_apart};{pop + counted_apart}"
        )
    path = folder / "donnees_communes_populations_legales_2022.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_density(folder: Path, communes: tuple = COMMUNES) -> Path:
    import xlsxwriter

    path = folder / "grille_densite_7_niveaux_2025.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2025, 1, 1)})  # same bytes on every run
    ws = wb.add_worksheet("Grille 7 niveaux")
    wrap = wb.add_format({"text_wrap": True, "bold": True})
    ws.write_string(0, 0, "Grille communale de densité à 7 niveaux")
    ws.write_string(1, 0, "Source : Insee (données fictives de la démonstration)")
    header = [
        "Code\nCommune",
        "Libellé des communes",
        "Typo degré de\nDensité",
        "Degré de densité\n(libellé)",
    ]
    for c, v in enumerate(header):
        ws.write_string(3, c, v, wrap)
    for r, (code, name, pop) in enumerate(_all(communes), start=4):
        level, label = density_level(pop)
        for c, v in enumerate((code, name, level, label)):
            ws.write_string(r, c, v)
    wb.close()
    return path


def write_ifn(folder: Path, communes: tuple = COMMUNES) -> Path:
    header = "Code Com;Nom Com;Libdep;Libreg;P16 Pop;SCORE GLOBAL region ;SCORE GLOBAL departement "
    lines = [header]
    for i, (code, name, pop) in enumerate(_all(communes)):
        score = f"{fragility(pop, i):.2f}".replace(".", ",")
        lines.append(f"{code};{name};Jura;Bourgogne-Franche-Comté;{pop};{score};{score}")
    path = folder / "indice_fragilite_numerique_communes_2020.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_arcep(folder: Path, communes: tuple = COMMUNES) -> Path:
    lines = [
        "\"Données issues des déclarations des opérateurs ; l'éligibilité d'un local ne garantit pas la disponibilité d'une offre.\"",
        "code_insee;nom_com;code_dep;code_reg;nbr;type;inel_hd;elig_hd05;elig_hd3;elig_hd8;elig_thd30;elig_thd100;elig_thd1g;date",
    ]
    for code, name, pop in _all(communes):
        premises = round(pop * 0.55)
        thd = round(premises * coverage(pop))
        thd30, thd100 = round(thd * 0.1), round(thd * 0.2)
        rest = premises - thd
        inel, hd05, hd3 = round(rest * 0.1), round(rest * 0.2), round(rest * 0.3)
        bands = [inel, hd05, hd3, rest - inel - hd05 - hd3, thd30, thd100, thd - thd30 - thd100]
        counts = ";".join(str(b) for b in bands)
        lines.append(f"{code};{name};39;27;{premises};commune;{counts};2025-12-31")
    path = folder / "arcep_ma_connexion_internet_communes_2025T4.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write(folder: Path, communes: tuple = COMMUNES) -> list[Path]:
    """Write the territory's producer files into ``folder`` (the demo authority's communes, or
    ``communes``: (INSEE code, name, population)); the paths written."""
    folder = Path(folder)
    return [
        write_cog(folder, communes),
        write_populations(folder, communes),
        write_density(folder, communes),
        write_ifn(folder, communes),
        write_arcep(folder, communes),
    ]
