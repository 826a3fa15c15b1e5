"""What the real server's DRF `SimpleMetadata` puts in an `OPTIONS` answer for each bot route.

Data only. Read off the real server's view classes (attendee-labs/attendee, `bots/bots_api_urls.py`
for which class serves which route, `bots/bots_api_views.py` for the classes, `bots/serializers.py`
for `BotSerializer`, `bots/models.py` for `Bot.meeting_url`, `attendee/settings/base.py` for the
DRF settings), and worked out with djangorestframework 3.15.2's rules. The stored copy of the upstream
`bots_api_urls.py` is an old revision (it still routes `/bots` to `BotCreateView`); the route -> class
map below was taken from current copies of that file in forks (e.g. lamala-ai/attendee), whose class
names all exist in upstream's current `bots_api_views.py`.

* `name` is `rest_framework.views.get_view_name`: the class name without its trailing `View`, split
  at camel-case boundaries and title-cased (`ChangeGalleryViewPageView` -> `Change Gallery View
  Page`). No view sets a `name` attribute and the settings do not replace `VIEW_NAME_FUNCTION`.
* `description` is the class docstring, dedented; none of these classes has one, so it is `""`.
  (Checked on the stored copy of `bots_api_views.py`; not re-checked at the contract's commit.)
* `renders`/`parses` are DRF's default renderer and parser classes; the settings override neither.
* `actions` appears only for a view that has `get_serializer` (a `GenericAPIView`) *and* allows PUT or
  POST. Of the bot views only `BotListCreateView` (`/bots`) qualifies; the other `GenericAPIView`s
  (chat messages, participant events, participants) are GET-only. So `actions.POST` describes the
  view's `serializer_class`, `BotSerializer` -- the response shape, not the create request.

Key order matters: it is the order of the real JSON. Serialize these without sorting keys.
"""

# `renders` and `parses` of every bot view (DRF defaults).
RENDERS = ["application/json", "text/html"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]

# Route suffix under /api/v1/bots -> name and description.
# "" is /bots, "{id}" is /bots/{id}, anything else is /bots/{id}/<suffix>.
VIEW_METADATA = {
    "": {"name": "Bot List Create", "description": ""},  # BotListCreateView
    "{id}": {"name": "Bot Detail", "description": ""},  # BotDetailView
    "leave": {"name": "Bot Leave", "description": ""},  # BotLeaveView (matches contract section 0)
    "transcript": {"name": "Transcript", "description": ""},  # TranscriptView
    "recording": {"name": "Recording", "description": ""},  # RecordingView
    "chat_messages": {"name": "Chat Messages", "description": ""},  # ChatMessagesView
    "send_chat_message": {"name": "Send Chat Message", "description": ""},  # SendChatMessageView
    "speech": {"name": "Speech", "description": ""},  # SpeechView
    "output_audio": {"name": "Output Audio", "description": ""},  # OutputAudioView
    "output_image": {"name": "Output Image", "description": ""},  # OutputImageView
    "output_video": {"name": "Output Video", "description": ""},  # OutputVideoView
    "delete_data": {"name": "Delete Data", "description": ""},  # DeleteDataView
    "pause_recording": {"name": "Pause Recording", "description": ""},  # PauseRecordingView
    "resume_recording": {"name": "Resume Recording", "description": ""},  # ResumeRecordingView
    "admit_from_waiting_room": {"name": "Admit From Waiting Room", "description": ""},  # AdmitFromWaitingRoomView
    "change_gallery_view_page": {"name": "Change Gallery View Page", "description": ""},  # ChangeGalleryViewPageView
    "transcription_settings": {"name": "Transcription Settings", "description": ""},  # TranscriptionSettingsView
    "voice_agent_settings": {"name": "Voice Agent Settings", "description": ""},  # VoiceAgentSettingsView
    "participant_events": {"name": "Participant Events", "description": ""},  # ParticipantEventsView
    "participants": {"name": "Participants", "description": ""},  # ParticipantsView
}

# The catch-all (`NotFoundView`). It has no authentication override, so OPTIONS there needs no key.
# Inferred from the class name like the others; no recorded observation.
NOT_FOUND_VIEW_METADATA = {"name": "Not Found", "description": ""}

# `actions.POST` of OPTIONS /api/v1/bots: SimpleMetadata over BotSerializer, in Meta.fields order.
# Per field: `type` from DRF's label lookup (CharField "string", DateTimeField "datetime", any other
# field such as SerializerMethodField "field"); `required`; then `read_only` and `label` (the field
# name with underscores as spaces, first letter capitalised). No field has help_text or a length.
# `id`, `join_at` and `deduplication_key` are declared on the serializer, so Meta.read_only_fields
# does not reach them: they come out writable and required. `meeting_url` is generated from the
# model (CharField(max_length=511), no verbose_name or help_text) and is read-only, which also drops
# its max_length. The five SerializerMethodFields are always read-only.
BOTS_POST_ACTIONS = {
    "id": {"type": "string", "required": True, "read_only": False, "label": "Id"},
    "metadata": {"type": "field", "required": False, "read_only": True, "label": "Metadata"},
    "meeting_url": {"type": "string", "required": False, "read_only": True, "label": "Meeting url"},
    "state": {"type": "field", "required": False, "read_only": True, "label": "State"},
    "events": {"type": "field", "required": False, "read_only": True, "label": "Events"},
    "transcription_state": {"type": "field", "required": False, "read_only": True, "label": "Transcription state"},
    "recording_state": {"type": "field", "required": False, "read_only": True, "label": "Recording state"},
    "join_at": {"type": "datetime", "required": True, "read_only": False, "label": "Join at"},
    "deduplication_key": {"type": "string", "required": True, "read_only": False, "label": "Deduplication key"},
}
