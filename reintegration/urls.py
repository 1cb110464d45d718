from django.urls import path

from .reports import list_exports
from .views import cases, intake, lists, partner, plans, visits

app_name = "reintegration"
urlpatterns = [
    # Lists.
    path("", lists.caseload, name="caseload"),
    path("team/", lists.team, name="team"),
    path("all/", lists.all_cases, name="all_cases"),
    # The lists' exports (reintegration/reports/list_exports.py).
    path("export/<slug:scope>.csv", list_exports.case_list_export, {"fmt": "csv"},
         name="export"),
    path("export/<slug:scope>.xlsx", list_exports.case_list_export, {"fmt": "xlsx"},
         name="export_xlsx"),
    path("access-log/", lists.access_log, name="access_log"),
    # Intake: search the registry first.
    path("new/", intake.intake, name="intake"),
    path("new/<int:person>/", intake.case_open, name="case_open"),
    # One case.
    path("<int:pk>/", cases.case_detail, name="case_detail"),
    path("<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("<int:pk>/move/<slug:to>/", cases.case_move, name="case_move"),
    path("<int:pk>/departure/", cases.case_departure, name="case_departure"),
    path("<int:pk>/arrival/", cases.case_arrival, name="case_arrival"),
    path("<int:pk>/reassign/", cases.case_reassign, name="case_reassign"),
    path("<int:pk>/members/new/", cases.member_add, name="member_add"),
    path("<int:pk>/members/<int:member>/remove/", cases.member_remove, name="member_remove"),
    path("<int:pk>/vulnerabilities/", cases.vulnerabilities, name="vulnerabilities"),
    path("<int:pk>/vulnerabilities/<int:vulnerability>/remove/", cases.vulnerability_remove,
         name="vulnerability_remove"),
    path("<int:pk>/notes/new/", cases.note_add, name="note_add"),
    path("<int:pk>/notes/<int:note>/edit/", cases.note_edit, name="note_edit"),
    path("<int:pk>/notes/<int:note>/correct/", cases.note_correct, name="note_correct"),
    # The plan and the assistance.
    path("<int:pk>/plan/", plans.plan_page, name="plan"),
    path("<int:pk>/plan/start/", plans.plan_start, name="plan_start"),
    path("<int:pk>/plan/objectives/", plans.plan_objectives, name="plan_objectives"),
    path("<int:pk>/plan/lines/new/", plans.line_add, name="line_add"),
    path("<int:pk>/plan/lines/<int:line>/edit/", plans.line_edit, name="line_edit"),
    path("<int:pk>/plan/lines/<int:line>/remove/", plans.line_remove, name="line_remove"),
    path("<int:pk>/plan/submit/", plans.plan_submit, name="plan_submit"),
    path("<int:pk>/plan/approve/", plans.plan_approve, name="plan_approve"),
    path("<int:pk>/plan/return/", plans.plan_return, name="plan_return"),
    path("<int:pk>/plan/close/", plans.plan_close, name="plan_close"),
    path("<int:pk>/deliveries/new/", plans.delivery_add, name="delivery_add"),
    path("<int:pk>/deliveries/<int:delivery>/evidence/", plans.delivery_evidence,
         name="delivery_evidence"),
    # A partner organisation's staff: their organisation's cases, the budget, deliveries.
    path("partner/", partner.partner_cases, name="partner_cases"),
    path("partner/<int:pk>/", partner.partner_case, name="partner_case"),
    path("partner/<int:pk>/deliveries/<int:delivery>/evidence/", partner.partner_evidence,
         name="partner_evidence"),
    # Monitoring.
    path("<int:pk>/visits/new/", visits.visit_add, name="visit_add"),
    path("<int:pk>/visits/<int:visit>/", visits.visit_record, name="visit_record"),
    path("<int:pk>/visits/<int:visit>/reschedule/", visits.visit_reschedule,
         name="visit_reschedule"),
    path("<int:pk>/visits/<int:visit>/waive/", visits.visit_waive, name="visit_waive"),
]

# The report (reintegration/reports/): returns, assistance, monitoring, scores.
from .reports import views as report_views  # noqa: E402

urlpatterns += [
    path("report/", report_views.report_page, name="report"),
    path("report/export.<str:fmt>", report_views.report_export, name="report_export"),
]
