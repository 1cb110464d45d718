from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import Role


@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def caseload(request):
    return render(request, "reintegration/caseload.html")


@role_required(Role.SUPERVISOR)
def team(request):
    return render(request, "reintegration/team.html")
