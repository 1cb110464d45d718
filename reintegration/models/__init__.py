"""The reintegration models, split by sub-domain: cases (with their team,
members, audit trail, vulnerabilities and notes), plans (budget, ceilings,
deliveries) and monitoring (visits and the sustainability survey)."""

from .cases import (
    PARTNER_KINDS,
    Case,
    CaseAssignment,
    CaseMember,
    CaseNote,
    CaseTransition,
    PartnerDesk,
    SensitiveAccess,
    Team,
    Vulnerability,
)
from .monitoring import (
    AnswerOption,
    Dimension,
    MonitoringVisit,
    Question,
    SurveyAnswer,
    SurveyResponse,
    SurveyVersion,
)
from .plans import BudgetCeiling, BudgetLine, Delivery, Plan, PlanTransition, VulnerabilityTopUp

__all__ = [
    "PARTNER_KINDS", "AnswerOption", "BudgetCeiling", "BudgetLine", "Case", "CaseAssignment",
    "CaseMember", "CaseNote", "CaseTransition", "Delivery", "Dimension", "MonitoringVisit",
    "PartnerDesk", "Plan", "PlanTransition", "Question", "SensitiveAccess", "SurveyAnswer",
    "SurveyResponse", "SurveyVersion", "Team", "Vulnerability", "VulnerabilityTopUp",
]
