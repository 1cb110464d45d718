from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from accounts.decorators import role_required
from accounts.roles import Role

from .models import Person
from .selectors import person_list


@permission_required("registry.view_person", raise_exception=True)
def person_index(request):
    query = request.GET.get("q", "")
    page = Paginator(person_list(user=request.user, query=query), 25).get_page(
        request.GET.get("page"))
    return render(request, "registry/person_list.html", {"page": page, "query": query})


@permission_required("registry.view_person", raise_exception=True)
def person_detail(request, pk):
    person = get_object_or_404(person_list(user=request.user), pk=pk)
    return render(request, "registry/person_detail.html", {"person": person})


@role_required(Role.DPO)
def changes(request):
    page = Paginator(
        Person.history.select_related("history_user").order_by("-history_date"), 50
    ).get_page(request.GET.get("page"))
    return render(request, "registry/changes.html", {"page": page})
