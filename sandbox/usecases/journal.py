"""The request journal of a project (`/sandbox/requests`): what its `/api/v1` requests were."""

from operator import itemgetter

from sandbox.contract.pagination import BY_NUMBER, control_page, page_limit


def list_requests(sb, project, query, request):
    """GET /sandbox/requests: a page of the project's requests, newest first, with `next`/`previous` links
    and `count`; `query` holds the parameters as sent (the filters `method`, `path`, `status`, and the
    page's `limit` and `cursor`; any other is refused by the journal). Entries are paged by their id."""
    matching = sb.journal.entries(project["id"], query)
    size = page_limit(query.get("limit"), sb.settings.page_limit, sb.journal.limit_message)
    return control_page(matching, itemgetter(0), request.url, size, ordering=BY_NUMBER)


def clear_requests(sb, project):
    """DELETE /sandbox/requests: forget the project's journal; how many entries went."""
    return sb.journal.clear(project["id"])
