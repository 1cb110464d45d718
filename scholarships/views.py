from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import Role
from registry.selectors import duplicate_queue_size


@role_required(Role.SCHOLARSHIP_ADMIN)
def admin_home(request):
    return render(request, "scholarships/admin_home.html",
                  {"open_duplicates": duplicate_queue_size()})


@role_required(Role.REVIEWER)
def reviewer_home(request):
    return render(request, "scholarships/reviewer_home.html")
