"""The case list API reads one page of cases from the database, however many cases the caller sees."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lanqing.cases.models import Case
from lanqing.cases.transitions import case_open
from tests.cases.conftest import TUESDAY


def test_the_case_list_reads_only_the_requested_page_and_counts_the_rest(supervision, client_for):
    for n in range(7):
        case_open(title=f"河道漂浮物 {n}", category="other", source="manual", by=supervision.users["bureau"],
                  jurisdiction=supervision.beiping, now=TUESDAY)
    client = client_for(supervision.users["bureau"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/api/v1/cases?box=all&limit=3&offset=2").json()
    newest_first = list(Case.objects.order_by("-id").values_list("number", flat=True))
    assert page["count"] == len(newest_first) == 7
    assert [row["number"] for row in page["items"]] == newest_first[2:5]
    case_reads = [q["sql"] for q in queries.captured_queries
                  if 'FROM "cases_case"' in q["sql"] and "COUNT(" not in q["sql"].upper()]
    assert case_reads
    assert all("LIMIT 3" in sql for sql in case_reads), case_reads
