"""The French wording of a contract's evaluation: its verdicts and the one-page explanation of
the method for an auditor, shared by the PDF report and the pages."""

from __future__ import annotations

from scheduler.evaluation.summary import (
    INDICATOR_FR,
    MIN_MEMBER_DOCTORS,
    MIN_PRETREND_QUARTERS,
    MIN_REFERENCE_DOCTORS,
    QUARTERS_BEFORE,
    IndicatorEvaluation,
)
from scheduler.french import NBSP, number

METHOD_TITLE = "Méthode de l’évaluation de l’effet du contrat"

METHOD_FR: tuple[tuple[str, str], ...] = (
    (
        "Ce qui est comparé",
        (
            "On compare l’évolution de la patientèle des médecins des cabinets membres du contrat "
            "(patients dont ils sont le médecin traitant, PMT, et file active) avec celle d’un groupe "
            f"de référence, trimestre par trimestre : jusqu’à {QUARTERS_BEFORE} trimestres avant le "
            "début du contrat, et chaque trimestre depuis. Le groupe de référence est importé par la "
            "CPAM : soit les relevés trimestriels des médecins non membres du même département, soit "
            "une série publiée (la moyenne par médecin généraliste du département). Chaque chiffre "
            "dit sur laquelle il repose."
        ),
    ),
    (
        "Le chiffre",
        (
            "L’effet est une différence de différences : l’écart entre membres et référence depuis "
            "le début du contrat, moins ce même écart avant. Le calcul retire ce qui est propre à "
            "chaque médecin (sa patientèle habituelle) et ce qui touche tous les médecins un même "
            "trimestre (une épidémie, une campagne nationale). Il se lit : « depuis le début du "
            "contrat, chaque médecin membre a en moyenne tant de patients de plus que ce que "
            "l’évolution de la référence laissait attendre »."
        ),
    ),
    (
        "Ce que veut dire l’intervalle",
        (
            "L’intervalle à 95 % est la plage des effets compatibles avec les relevés : calculée "
            "ainsi sur de nombreux contrats, elle contiendrait l’effet vrai environ 95 fois sur 100. "
            "Un intervalle qui contient 0 ne permet pas de dire que le contrat a eu un effet. Un "
            "contrat ne compte que quelques médecins : l’intervalle vient d’une méthode faite pour ce "
            "cas, des erreurs regroupées par médecin avec la correction pour petits échantillons de "
            "Bell et McCaffrey (CR2) et leurs degrés de liberté de Satterthwaite, plus larges que "
            "ceux d’une méthode ordinaire. Avec des médecins de référence, l’incertitude tient aux "
            "membres et à la référence ; avec une série publiée, elle repose sur les seuls médecins "
            "membres, la série comptant comme un seul médecin de référence."
        ),
    ),
    (
        "La vérification de la tendance préalable",
        (
            "La méthode suppose que, sans le contrat, membres et référence auraient évolué en "
            "parallèle. On le vérifie sur les trimestres d’avant le début : le graphique montre "
            "l’écart de chaque trimestre à celui qui précède le début (le zéro), avec son intervalle, "
            "et un test joint (approximation HTZ de Pustejovsky et Tipton) dit si les écarts d’avant "
            "le début sont tous nuls. Si sa probabilité p est inférieure à 5 %, la vérification "
            "échoue : les membres s’écartaient déjà de la référence avant le contrat, et le chiffre ne "
            "doit pas être pris pour l’effet du contrat. Sans relevés sur au moins "
            f"{MIN_PRETREND_QUARTERS} trimestres avant le début, la vérification est impossible et le "
            "chiffre appelle la même prudence. Une vérification réussie ne prouve pas le parallélisme : "
            "elle ne l’a pas trouvé en défaut."
        ),
    ),
    (
        "Le gain pour 100 heures",
        (
            "Le gain pour 100 heures d’assistance effectuées rapporte l’effet de l’ensemble des "
            "médecins membres (l’effet par médecin multiplié par leur nombre) aux heures effectuées "
            "depuis le début du contrat selon le registre des heures ; son intervalle est celui de "
            "l’effet, mis à la même échelle."
        ),
    ),
    (
        "Quand il n’y a pas de chiffre",
        (
            "Le rapport le dit, avec la raison, plutôt que d’afficher un chiffre fragile : moins de "
            f"{MIN_MEMBER_DOCTORS} médecins membres avec des relevés avant et depuis le début, ni "
            f"relevés d’au moins {MIN_REFERENCE_DOCTORS} médecins de référence ni série publiée pour "
            "le département, ou aucun trimestre depuis le début."
        ),
    ),
)


DID_METHOD_FR = (
    "différence de différences, effets fixes médecin et trimestre ; erreur type robuste CR2 "
    "(Bell-McCaffrey) regroupée par médecin ; intervalle de Student à {dof} degrés de liberté "
    "(Satterthwaite, Bell-McCaffrey)"
)
PRETREND_METHOD_FR = (
    "étude d’événement, trimestre de référence −1 ; test de Wald joint des écarts d’avant le "
    "début avec la covariance CR2, approximation HTZ (Pustejovsky-Tipton 2018)"
)


def method_fr(indicator: IndicatorEvaluation) -> str:
    """The methods behind an indicator's figures, in French (the JSON names them in English)."""
    if indicator.did is None:
        return ""
    text = DID_METHOD_FR.format(dof=number(indicator.did.dof, 1))
    return text + (f" ; tendance préalable : {PRETREND_METHOD_FR}" if indicator.pretrend else "")


def indicator_fr(indicator: IndicatorEvaluation) -> str:
    return INDICATOR_FR[indicator.indicator]


def pretrend_fr(indicator: IndicatorEvaluation) -> str:
    """The pre-trend check's verdict in words."""
    check = indicator.pretrend
    if check is None:
        return indicator.pretrend_reason or "vérification impossible"
    p = f"p{NBSP}={NBSP}{number(check.p_value, 2)}"
    if check.fails:
        return f"échoue ({p}) : ne pas se fier à ce chiffre"
    return f"vérifiée ({p})"


def interval_fr(low: float, high: float, places: int = 1) -> str:
    return f"{number(low, places)} à {number(high, places)}"
