"""The request journal of a project (`/sandbox/requests`): what its `/api/v1` requests were."""


def list_requests(sb, project, query):
    """GET /sandbox/requests: the project's requests, newest first; `query` holds the filters as sent
    (`method`, `path`, `status`, `limit`; any other is refused by the journal)."""
    return sb.journal.entries(project["id"], query)


def clear_requests(sb, project):
    """DELETE /sandbox/requests: forget the project's journal; how many entries went."""
    return sb.journal.clear(project["id"])
