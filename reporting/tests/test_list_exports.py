"""A list's filters travel to its export and to a background job (JSON) and
come back as the filter set reads them; the page, the names box and the
return address are not filters."""

from django.http import QueryDict

from reporting.list_exports import list_params, params_query


def test_the_filters_survive_the_trip_through_a_job():
    query = QueryDict("state=all&country=SN&country=BE&q=&page=3&names=1&next=/cases/")
    params = list_params(query)
    assert params == {"state": "all", "country": ["SN", "BE"]}
    back = params_query(params)
    assert back.getlist("country") == ["SN", "BE"] and back["state"] == "all"
    assert "page" not in back and "names" not in back
