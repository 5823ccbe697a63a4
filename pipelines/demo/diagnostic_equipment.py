"""The demo authority's inventory: its register of equipment and platforms, as a French-Excel CSV
(cp1252, ``;``, CRLF, dates ``JJ/MM/AAAA``, « Oui »/« Non »), and a small extract of ANCT's national
list of « lieux de médiation numérique » (the schema's current layout, UTF-8, ``,``) with two places
outside the territory, which the ingest leaves out (the plan names the 12 communes).

The register answers the plan: the portail citoyen (action A1, FranceConnect, RGAA 62 %, statement
2025), the GNAU (action A2), the online appointments (action A3, no accessibility statement yet:
flagged), the portail famille whose statement dates from 2021 (flagged), the France Services of
Sorne-le-Château and its bus (action A4), Wi-Fi points, the town halls' fibre links (some still
planned), school equipment, and a few degraded or retired assets. Fixed content, no randomness.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

REGISTER_FILE = "inventaire_equipements_2026.csv"
MEDIATION_FILE = "lieux-de-mediation-numerique_extrait.csv"

REGISTER_HEADER = [
    "Identifiant",
    "Type",
    "Nom",
    "Commune",
    "État",
    "Date de mise en service",
    "Date de retrait",
    "Taux de conformité RGAA",
    "Date de la déclaration d'accessibilité",
    "FranceConnect",
    "Service gestionnaire",
]

# (id, type, name, commune, state, since, until, RGAA, statement, FranceConnect, service)
# fmt: off
REGISTER: list[tuple[str, ...]] = [
    # online platforms (intercommunal: no commune)
    ("PF-01", "Portail citoyen", "Portail citoyen du Val de Sorne (action A1)", "", "En service", "02/12/2024", "", "62 %", "17/03/2025", "Oui", "Numérique"),
    ("PF-02", "GNAU", "Guichet numérique des autorisations d'urbanisme (action A2)", "", "En service", "03/03/2025", "", "0,48", "12/06/2025", "Non", "Urbanisme"),
    ("PF-03", "Portail famille", "Portail famille (cantine, périscolaire)", "", "En service", "05/09/2019", "", "55 %", "14/06/2021", "Non", "Enfance"),
    ("PF-04", "Prise de rendez-vous en ligne", "Rendez-vous en ligne CNI et passeports (action A3)", "39901", "En service", "02/09/2024", "", "", "", "Non", "État civil"),
    ("PF-05", "Site internet", "Site internet de la communauté de communes", "", "En service", "15/01/2020", "", "71 %", "20/11/2024", "Non", "Communication"),
    ("PF-06", "Site internet", "Ancien site internet de Sorne-le-Château", "39902", "Retiré", "01/06/2012", "15/01/2020", "", "", "Non", "Communication"),
    # France Services and mediation places (action A4)
    ("FS-01", "France Services", "Espace France Services de Sorne-le-Château", "39902", "En service", "03/03/2025", "", "", "", "", "Inclusion"),
    ("FS-02", "Bus France Services", "Bus France Services itinérant du Val de Sorne", "39906", "En service", "01/09/2025", "", "", "", "", "Inclusion"),
    ("MED-01", "Lieu de médiation numérique", "Espace public numérique de la médiathèque", "39901", "En service", "10/01/2023", "", "", "", "", "Culture"),
    ("MED-02", "Lieu de médiation numérique", "Permanence numérique de la mairie de Montrevel", "39903", "En service", "06/01/2025", "", "", "", "", "Inclusion"),
    ("MED-03", "Lieu de médiation numérique", "Atelier numérique des Granges-Basses", "39910", "Prévu", "01/03/2027", "", "", "", "", "Inclusion"),
    # public Wi-Fi
    ("WIFI-01", "Borne wifi", "Wi-Fi de la place de la mairie", "39901", "En service", "15/05/2021", "", "", "", "", "Numérique"),
    ("WIFI-02", "Borne wifi", "Wi-Fi de la médiathèque", "39901", "En service", "10/01/2023", "", "", "", "", "Numérique"),
    ("WIFI-03", "Wi-Fi public", "Wi-Fi de la salle des fêtes", "39902", "En service", "20/06/2021", "", "", "", "", "Numérique"),
    ("WIFI-04", "Wi-Fi public", "Wi-Fi du camping municipal", "39903", "Dégradé", "01/07/2021", "", "", "", "", "Tourisme"),
    ("WIFI-05", "Wi-Fi public", "Wi-Fi de la mairie", "39905", "En service", "12/04/2022", "", "", "", "", "Numérique"),
    ("WIFI-06", "Wi-Fi public", "Wi-Fi de la maison des associations", "39907", "Hors service", "01/10/2018", "30/04/2024", "", "", "", "Numérique"),
    ("WIFI-07", "Wi-Fi public", "Wi-Fi de la place du marché", "39908", "Prévu", "01/04/2027", "", "", "", "", "Numérique"),
    # fibre links of the town halls
    ("FIB-01", "Raccordement fibre", "Fibre de l'hôtel communautaire", "39901", "En service", "15/03/2021", "", "", "", "", "Numérique"),
    ("FIB-02", "Raccordement fibre", "Fibre de la mairie", "39902", "En service", "02/11/2021", "", "", "", "", "Numérique"),
    ("FIB-03", "Raccordement fibre", "Fibre de la mairie", "39903", "En service", "14/02/2022", "", "", "", "", "Numérique"),
    ("FIB-04", "Raccordement fibre", "Fibre de la mairie", "39904", "En service", "09/09/2022", "", "", "", "", "Numérique"),
    ("FIB-05", "Raccordement fibre", "Fibre de la mairie", "39906", "Dégradé", "18/05/2023", "", "", "", "", "Numérique"),
    ("FIB-06", "Raccordement fibre", "Fibre de la mairie", "39909", "Prévu", "01/02/2027", "", "", "", "", "Numérique"),
    ("FIB-07", "Raccordement fibre", "Fibre de la mairie", "39911", "Prévu", "01/06/2027", "", "", "", "", "Numérique"),
    ("NET-01", "Réseau", "Réseau informatique intercommunal (mairies reliées)", "", "En service", "01/01/2022", "", "", "", "", "Numérique"),
    # school equipment
    ("ECO-01", "TNI", "Tableaux numériques de l'école du Bourg", "39901", "En service", "01/09/2020", "", "", "", "", "Enfance"),
    ("ECO-02", "Tablettes école", "Classe mobile de l'école de Sorne", "39902", "En service", "01/09/2022", "", "", "", "", "Enfance"),
    ("ECO-03", "ENI", "École numérique innovante de Perrigny", "39904", "En service", "01/09/2021", "", "", "", "", "Enfance"),
    ("ECO-04", "TNI", "Tableau numérique de l'école de Chaumont", "39907", "Dégradé", "01/09/2017", "", "", "", "", "Enfance"),
    ("ECO-05", "Tablettes école", "Tablettes de l'école d'Écrille", "39912", "Retiré", "01/09/2016", "05/07/2024", "", "", "", "Enfance"),
]
# fmt: on

MEDIATION_HEADER = [
    "id",
    "pivot",
    "nom",
    "adresse",
    "complement_adresse",
    "commune",
    "code_postal",
    "code_insee",
    "latitude",
    "longitude",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "prise_rdv",
    "presentation_resume",
    "presentation_detail",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "itinerance",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "structure_parente",
    "typologie",
    "date_maj",
    "source",
]


def _place(
    ident: str, name: str, commune: str, code: str, postcode: str, labels: str, typology: str
) -> list[str]:
    row = dict.fromkeys(MEDIATION_HEADER, "")
    row.update(
        id=ident,
        pivot="00000000000000",
        nom=name,
        adresse="Place de la mairie",
        commune=commune,
        code_postal=postcode,
        code_insee=code,
        services="Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        frais_a_charge="Gratuit",
        modalites_accompagnement="Accompagnement individuel|Dans un atelier collectif",
        dispositif_programmes_nationaux=labels,
        typologie=typology,
        date_maj="2026-09-15",
        source="Cartographie nationale (extrait de démonstration)",
    )
    return [row[c] for c in MEDIATION_HEADER]


# fmt: off
MEDIATION = [
    _place("demo-lieu-1", "Association Sorne Numérique", "Villers-en-Revermont", "39905", "39190", "Conseillers numériques", "ASSO"),
    _place("demo-lieu-2", "Bibliothèque de Chaumont-les-Vignes", "Chaumont-les-Vignes", "39907", "39230", "", "BIB"),
    _place("demo-lieu-3", "France Services de Frontenay", "Frontenay-le-Moutier", "39908", "39210", "France Services", "RFS"),
    # outside the territory: left out by the ingest (the plan's communes)
    _place("demo-lieu-4", "Espace numérique de Besançon (hors territoire)", "Besançon", "25056", "25000", "", "MUNI"),
    _place("demo-lieu-5", "Tiers-lieu de Dijon (hors territoire)", "Dijon", "21231", "21000", "", "TIERS_LIEUX" ),
]
# fmt: on


def _csv(header: list[str], rows, delimiter: str, lineterminator: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write(folder: Path) -> list[Path]:
    """Write the register and the national-list extract into ``folder``; the paths written."""
    register = Path(folder) / REGISTER_FILE
    register.write_bytes(_csv(REGISTER_HEADER, REGISTER, ";", "\r\n").encode("cp1252"))
    mediation = Path(folder) / MEDIATION_FILE
    mediation.write_bytes(_csv(MEDIATION_HEADER, MEDIATION, ",", "\n").encode("utf-8"))
    return [register, mediation]
