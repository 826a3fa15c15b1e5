"""A project's capabilities: the credentials and organization flags the real server keeps for a project,
which decide how some requests end (docs/contract/bots-endpoints.md#create-async-transcription,
docs/contract/bots-endpoints.md#speech, docs/contract/create-bot.md#create-order-of-checks,
docs/contract/bots-endpoints.md#speech-credentials, docs/contract/bots-endpoints.md#async-transcription-response).

Each is a boolean field of the project document, set at creation (`POST /sandbox/projects`, the fixtures)
or later (`PATCH /sandbox/projects/{id}`); a project without the field has the default, which is what a
sandbox project has always had, so nothing changes for a project that never says.
"""

# Field -> (default, what it stands for on the real server). Order: the project answer's.
CAPABILITIES = {
    "zoom_credentials": (True, "Zoom App credentials: without them a Zoom bot is refused at create"),
    "google_tts_credentials": (True, "Google Text-to-Speech credentials: without them /speech is refused"),
    "async_transcription": (True, "the organization flag of POST /transcript (async transcription)"),
    "transcription_credentials": (
        True,
        "the transcription provider's credentials: without them an async transcription ends failed with "
        "credentials_not_found",
    ),
    "external_media_storage_credentials": (
        False,
        "external media storage credentials: with them a bot's external_media_storage_settings are accepted",
    ),
}


def capability(project, name):
    """Whether `project` has the capability `name` (its default when the document does not say)."""
    value = project.get(name)
    return CAPABILITIES[name][0] if value is None else bool(value)


def capabilities(project):
    """Every capability of `project`, in the answer's order."""
    return {name: capability(project, name) for name in CAPABILITIES}
