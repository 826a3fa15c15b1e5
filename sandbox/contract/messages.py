"""Every error string the real server's request validation answers with, in one place.

Plain constants, and `str.format` templates where the real message carries a value (`{}` or a named
field). The serializers, the request parsers and their tests import from here, so a message is spelled
once. Grouped by where the real server produces it.
"""

# --------------------------------------------------------------------------------------------------
# DRF's serializer and field messages (rest_framework/fields.py, serializers.py)
# --------------------------------------------------------------------------------------------------

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
NULL_CHARACTERS = "Null characters are not allowed."  # Django's ProhibitNullCharactersValidator
SURROGATE_CHARACTER = "Surrogate characters are not allowed: U+{:X}."
MAX_LENGTH = "Ensure this field has no more than {max} characters."
MIN_LENGTH = "Ensure this field has at least {min} characters."
INVALID_CHOICE = '"{input}" is not a valid choice.'
NOT_A_BOOLEAN = "Must be a valid boolean."
NOT_AN_INTEGER = "A valid integer is required."
INTEGER_STRING_TOO_LARGE = "String value too large."
INTEGER_TOO_LARGE = "Ensure this value is less than or equal to {max}."
INTEGER_TOO_SMALL = "Ensure this value is greater than or equal to {min}."
NOT_JSON = "Value must be valid JSON."
NOT_A_DICT_OF_ITEMS = 'Expected a dictionary of items but got type "{input_type}".'
EMPTY_DICT = "This dictionary may not be empty."
ENTER_A_VALID_URL = "Enter a valid URL."  # Django's URLValidator
NOT_A_DICT = "Invalid data. Expected a dictionary, but got {}."
NO_DATA = "No data provided"
DATETIME_FORMATS = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"
DATETIME_WRONG_FORMAT = "Datetime has wrong format. Use one of these formats instead: {format}."
DATETIME_OVERFLOW = "Datetime value out of range."
UNEXPECTED_FIELDS = "Unexpected field(s): {unexpected}. Allowed fields are: {allowed}"

# --------------------------------------------------------------------------------------------------
# List filters (the views' hand-written parse_datetime checks)
# --------------------------------------------------------------------------------------------------

FILTER_DATETIME_INVALID = "Invalid {} format. Use ISO 8601 format (e.g., 2024-01-18T12:34:56Z)"

# --------------------------------------------------------------------------------------------------
# POST /bots and PATCH /bots/{id} (CreateBotSerializer, PatchBotSerializer, BotValidationMixin, views)
# --------------------------------------------------------------------------------------------------

JOIN_AT_PAST = "join_at cannot be in the past"
JOIN_AT_TOO_FAR = "join_at cannot be more than 3 years in the future"
INVALID_MEETING_URL = "Invalid meeting URL"
BOT_NAME_EMOJI = "Bot name cannot contain emojis or rare script characters."
METADATA_NOT_AN_OBJECT = "Metadata must be an object not an array or other type"
METADATA_EMPTY = "Metadata must have at least one key"
METADATA_VALUE_NOT_A_STRING = "Value for key '{}' must be a string"
METADATA_TOO_LONG = "Metadata must be less than {} characters"
CALENDAR_EVENT_MISSING = "Calendar event with id {} does not exist in this project."
CREATE_DB_ERROR = "An error occurred while creating the bot. Error ID: {}"
PATCH_DB_ERROR = "An error occurred while patching the bot. Error ID: {}"
# The sandbox's own rule (the real server has none): it never calls itself back.
WEBHOOK_REACHES_SANDBOX = (
    "webhook URL must not point at the sandbox itself ({address}): the sandbox never sends webhooks to itself"
)
NO_PARTICIPANT = "No participant found with uuid {}. Use the /participants endpoint to get the list of participants."
URL_MUST_BE_HTTPS = "URL must start with https://"
URL_MUST_BE_WSS = "URL must start with wss://"
URL_MUST_BE_RTMP = "URL must start with rtmp:// or rtmps://"
VOICE_AGENTS_DISABLED = (
    "Voice agents are not enabled. Please set the ENABLE_VOICE_AGENTS environment variable to true to use voice agents."
)
VOICE_AGENT_URL_AND_SCREENSHARE = "You cannot provide both url and screenshare_url."
VOICE_AGENT_ZOOM_NATIVE = (
    "Voice agent is not supported for Zoom when using the native SDK. "
    "Please set 'zoom_settings.sdk' to 'web' in the bot creation request."
)
CLOSED_CAPTIONS_ZOOM_NATIVE = (
    "Closed caption based transcription is not supported for Zoom when using the native SDK. "
    "Please set 'zoom_settings.sdk' to 'web' in the bot creation request."
)
DEEPGRAM_DETECT_LANGUAGE = (
    "Language detection is not supported for streaming transcription. "
    "Please pass language='multi' instead of detect_language=true."
)
CUSTOM_ASYNC_UNSET = (
    "CUSTOM_ASYNC_TRANSCRIPTION_URL environment variable is not set. Please set the CUSTOM_ASYNC_TRANSCRIPTION_URL "
    "environment variable to the URL of your custom async transcription service."
)
KUBERNETES_NOT_ALLOWED = "Custom bot pod spec types are not allowed."
VIDEO_RESOLUTIONS_NONE = "At least one of webcam_resolution or screenshare_resolution must be set to a non-none value."
RECORDING_FORMAT = "Format must be mp4 or mp3 or 'none'"
RECORDING_VIEW = "View must be speaker_view or gallery_view or speaker_view_no_sidebar"
RECORDING_EXTRA_STORAGE = "Not supported unless using Kubernetes"
AUTOMATIC_LEAVE_UNEXPECTED = "Unexpected attribute: {}"
AUTOMATIC_LEAVE_KEYWORDS = "bot_keywords must be a list of strings or null"
AUTOMATIC_LEAVE_KEYWORD = "Each keyword in bot_keywords must be a string"
AUTOMATIC_LEAVE_POSITIVE = "{} must be a positive integer"

# BotImageSerializer (also POST /output_image)
INVALID_BASE64 = "Invalid base64 encoded data"
IMAGE_NOT_VALID = "Data is not a valid {} image."

# BotChatMessageRequestSerializer (also POST /send_chat_message)
CHAT_MESSAGE_TOO_LONG = "Message must be less than {} characters"
CHAT_MESSAGE_EMOJI = "Message cannot contain emojis or rare script characters."
CHAT_TO_USER_REQUIRED = "This field is required when the 'to' value is 'specific_user'."
CHAT_TO_USER_NOT_ALLOWED = "This field should only be provided when the 'to' value is 'specific_user'."

# --------------------------------------------------------------------------------------------------
# Bot commands (OutputAudioView, OutputVideoRequestSerializer, PatchBot*SettingsSerializer, ...)
# --------------------------------------------------------------------------------------------------

AUDIO_BOTH_REQUIRED = "Both type and data are required"
AUDIO_INVALID_TYPE = "Invalid audio content type"
URL_MUST_BE_MP4 = "URL must end with .mp4"
GALLERY_BODY_NOT_AN_OBJECT = (
    "The request body must be a JSON object (the real server answers 500 with an HTML page here)"
)
NO_TRANSCRIPTION_SETTING = "At least one transcription setting must be provided"
VOICE_AGENT_BOTH_URLS = "Cannot provide both url and screenshare_url. Please specify only one."
VOICE_AGENT_URL_NOT_ALLOWED = (
    "URL is not allowed for voice agent. Please set the VOICE_AGENT_URL_PREFIX_ALLOWLIST environment variable "
    "to the comma-separated list of allowed URL prefixes."
)

# --------------------------------------------------------------------------------------------------
# POST /bots/{id}/transcript (CreateAsyncTranscriptionSerializer)
# --------------------------------------------------------------------------------------------------

ASYNC_NO_CLOSED_CAPTIONS = "Meeting closed captions are not available for async transcription."
ASYNC_NO_DEEPGRAM_CALLBACK = "Deepgram callback is not available for async transcription."
ASYNC_NO_PROVIDER = "Please specify a transcription provider."


# --------------------------------------------------------------------------------------------------
# The bot views' own checks (bots_api_views.py, bots_api_utils.py)
# --------------------------------------------------------------------------------------------------

ZOOM_CREDENTIALS_REQUIRED = (
    "Zoom App credentials are required to create a Zoom bot. "
    "Please add Zoom credentials at https://{domain}/projects/{project_id}/credentials"
)
EXTERNAL_STORAGE_CREDENTIALS_REQUIRED = (
    "External media storage credentials are required to upload recordings to an external storage bucket. "
    "Please add external media storage credentials at https://{domain}/projects/{project_id}/credentials."
)
CONCURRENCY_LIMIT = (
    "You have exceeded the maximum number of concurrent bots ({limit}) for your account. "
    "Please reach out to customer support to increase the limit."
)
DEDUPLICATION_CONFLICT = (
    "Deduplication key already in use. A bot in a non-terminal state with this deduplication key already exists. "
    "Please use a different deduplication key or wait for that bot to terminate."
)
PATCH_ONLY_WHEN_SCHEDULED = (
    "Bot is in state {state} but join_at, meeting_url, bot_name, bot_image and recording_settings "
    "can only be updated when in the scheduled state"
)
DELETE_ONLY_WHEN_SCHEDULED = "Bot is in state {state} but can only be deleted when in scheduled state"
DATA_DELETE_NOT_ALLOWED = "Bot is not in a state where the data deleted event can be created"
CANNOT_PAUSE = "Bot is in state {state} and cannot pause recording"
CANNOT_RESUME = "Bot is in state {state} and cannot resume recording."


# --------------------------------------------------------------------------------------------------
# Calendars, calendar events and Zoom OAuth connections (docs/contract/calendars.md#non-bot-resources;
# docs/contract/calendars.md,
# docs/contract/zoom-oauth.md): calendars_api_utils.py, calendars_api_views.py,
# zoom_oauth_connections_api_utils.py, bots_api_utils.initialize_bot_creation_data_from_calendar_event
# --------------------------------------------------------------------------------------------------

CALENDAR_NOT_FOUND = "Calendar not found"
CALENDAR_DEDUPLICATION_CONFLICT = "A calendar with this deduplication key already exists in this project."
CALENDAR_CREATE_DB_ERROR = "An error occurred while creating the calendar. Error ID: {}"
CALENDAR_CREATE_UNEXPECTED = "An unexpected error occurred while creating the calendar. Error ID: {}"
CALENDAR_DELETE_UNEXPECTED = "An unexpected error occurred while deleting the calendar. Error ID: {}"
# GET /calendar_events: the date filters' own example times differ (end_time_lte says 18:00:00).
CALENDAR_EVENT_FILTER_INVALID = "Invalid {} format. Use ISO 8601 format (e.g., 2025-01-13T10:30:00Z)"
CALENDAR_EVENT_END_FILTER_INVALID = "Invalid {} format. Use ISO 8601 format (e.g., 2025-01-13T18:00:00Z)"
CALENDAR_EVENT_ORDERING_INVALID = "Invalid ordering. Allowed values: {}"
# POST /bots with calendar_event_id (docs/contract/calendars.md#create-bot-from-event); CALENDAR_EVENT_MISSING is
# above, with the bots' messages.
CALENDAR_EVENT_MEETING_URL_GIVEN = (
    "meeting_url should not be provided when calendar_event_id is specified. "
    "The meeting URL will be taken from the calendar event."
)
CALENDAR_EVENT_JOIN_AT_GIVEN = (
    "join_at should not be provided when calendar_event_id is specified. "
    "The join time will be taken from the calendar event."
)
# The sync's authentication errors (docs/contract/calendars.md#calendar-auth-errors): the texts of
# `connection_failure_data.error`.
CALENDAR_NO_CREDENTIALS = "No credentials found for calendar"
CALENDAR_MISSING_CREDENTIALS = "Missing refresh_token or client_secret"
CALENDAR_AUTHENTICATION_ERROR = "{platform} Authentication error: {response!r}"  # Google / Microsoft

ZOOM_CONNECTION_NOT_FOUND = "Zoom OAuth Connection not found"
ZOOM_FLAGS_BOTH_FALSE = (
    "At least one of is_local_recording_token_supported or is_onbehalf_token_supported must be true"
)
ZOOM_APP_NOT_IN_PROJECT = "Zoom OAuth App with id {app_id} does not exist in this project ({project_name})."
ZOOM_NO_APP = "No Zoom OAuth App found in this project ({project_name}). Please add a Zoom OAuth App first."
ZOOM_CODE_EXCHANGE_FAILED = (
    "Error exchanging access code for tokens. Please check that the authorization code and redirect URI are correct."
)
ZOOM_MISSING_SCOPES = "The authorization is missing the following required scopes: {!r}."
ZOOM_USER_INFO_FAILED = "Error getting user info. Please check that the access token is valid."
ZOOM_USER_NOT_ACTIVE = "The user is not active."
ZOOM_CONNECTION_DB_ERROR = "An error occurred while creating the zoom oauth connection. Error ID: {}"
ZOOM_CONNECTION_UNEXPECTED = "An unexpected error occurred while creating the zoom oauth connection. Error ID: {}"
ZOOM_AUTHENTICATION_ERROR = "Zoom Authentication error: {!r}"
# The sandbox's own answer where the real PATCH view would crash on save (500): metadata JSONB cannot hold.
CALENDAR_UPDATE_UNSTORABLE = "An unexpected error occurred while updating the calendar. Error ID: {}"
