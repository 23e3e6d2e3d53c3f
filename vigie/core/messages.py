"""The intake's refusal messages in the reporter's language: one catalogue, keyed by code.

Every refusal is raised as an `ApiError` with a stable code and a French
message (the reference, written where the rule is). At the edge, the answer is
put in the reporter's language (`localize`): the form sends its page's
language, a hidden `lang` field on the no-JavaScript path and the
`X-Vigie-Lang` header on the encrypted path (`vigie.core.i18n.pick_lang`).
French, an unknown language, or a code this catalogue does not know keep the
French message as raised: a new refusal is never silent, only untranslated.

Placeholders are filled from the deployment, never from the request: {police}
(the emergency number), {max_mb} (the body limit), {max_photos}. The messages
are plain sentences (CEFR B1) and must be reviewed by a native speaker before a
real deployment (see README, "Languages").
"""

from __future__ import annotations

from .http import ApiError

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "unavailable": "The service is not available for a moment: try again.",
        "bad_mailbox": "The follow-up mailbox is not valid.",
        "pow_harder": (
            "Many reports are arriving right now: the anti-spam check needs a little more "
            "computing. Your browser keeps going; sending starts again by itself. Do not "
            "close the page."
        ),
        "bad_form": "The form could not be accepted. Check it and send it again.",
        "unsupported_media_type": "This type of content is not accepted for this form.",
        "bad_content_length": "The Content-Length header is not valid.",
        "too_large": (
            "What you sent is too large ({max_mb} MB at most, photos included). "
            "Remove a photo or make it smaller."
        ),
        "empty_body": "The request is empty.",
        "storage_unavailable": (
            "The storage service is not available for a moment. Your report was not "
            "stored: try again in a few moments."
        ),
        "form_budget_exhausted": (
            "Too many reports without JavaScript were sent this hour. Try again later, "
            "or with a browser that runs JavaScript. In an emergency, call {police}."
        ),
        "bad_idempotency_key": "The idempotency key is missing or not valid.",
        "pow_missing": "The anti-spam check is missing: reload the page.",
        "pow_invalid": "The anti-spam check is not valid: reload the page.",
        "pow_expired": "The anti-spam check has expired: your report is being sent again.",
        "pow_mismatch": "This anti-spam check was made for another report.",
        "method_not_allowed": "This method is not allowed.",
        "bad_armor": "Report refused: the encrypted file is damaged.",
        "not_age": "Report refused: this is not a valid encrypted file.",
        "wrong_recipients": "Report refused: it is not encrypted for the expected keys.",
        "bad_campaign": "The campaign code is not valid.",
        "bad_category": "Choose the type of activity.",
        "bad_channel": "Report refused: unknown channel.",
        "empty_description": "Describe what you saw: this field is required.",
        "too_long": "One of the texts is too long: make it shorter.",
        "too_many_attachments": "{max_photos} photos at most.",
        "rate_limited": (
            "Many reports are arriving from your connection: try again in a few minutes, "
            "or from another connection (mobile data, another Wi-Fi). In an emergency, "
            "call {police}."
        ),
        "bad_attachment": "Only JPEG or PNG photos that can be read are accepted.",
        "bad_lang": "Unknown language.",
        "bad_kind": "Report refused: unknown kind of message.",
        "bad_reply": "Report refused: the follow-up data is not valid.",
        "bad_plaintext": "Report refused: its content is not valid.",
        "bad_version": "Report refused: this report version is not supported.",
        # `vigie serve`'s own refusals (vigie/serve.py, framing.py, gate.py, netcap.py).
        "network_cap": (
            "Many reports are arriving from your network right now: your report was not "
            "stored. Try again in a few minutes, or from another connection (mobile data, "
            "another Wi-Fi). In an emergency, call {police}."
        ),
        "busy": (
            "The server is handling other reports: nothing was stored, try again in a few moments."
        ),
        "timeout": "Sending was too slow: try again.",
        "truncated": "Sending was incomplete: try again.",
        "length_required": "The size of what you sent is missing: try again.",
        "bad_framing": "The request could not be read: try again.",
        "bad_request": "The request could not be read: try again.",
        "unknown_host": "Unknown server address.",
        "cross_origin": "Sending refused: it does not come from the site.",
        "not_found": "Unknown address.",
        "internal_error": "Internal error: try again.",
    },
    "ar": {
        "unavailable": "الخدمة غير متاحة مؤقتًا: أعيدوا المحاولة.",
        "bad_mailbox": "معرّف صندوق المتابعة غير صالح.",
        "pow_harder": (
            "تصل بلاغات كثيرة في هذه اللحظة: يتطلب التحقق من مكافحة الرسائل المزعجة حسابًا "
            "أكثر قليلًا. يواصل متصفحكم العمل، وسيُستأنف الإرسال تلقائيًا. لا تغلقوا الصفحة."
        ),
        "bad_form": "تعذّر قبول النموذج. تحققوا منه ثم أرسلوه من جديد.",
        "unsupported_media_type": "هذا النوع من المحتوى غير مقبول لهذا النموذج.",
        "bad_content_length": "ترويسة Content-Length غير صالحة.",
        "too_large": (
            "ما أرسلتموه كبير جدًا ({max_mb} ميغابايت على الأكثر، مع الصور). "
            "احذفوا صورة أو صغّروا حجمها."
        ),
        "empty_body": "الطلب فارغ.",
        "storage_unavailable": (
            "خدمة الحفظ غير متاحة مؤقتًا. لم يُحفَظ بلاغكم: أعيدوا المحاولة بعد لحظات."
        ),
        "form_budget_exhausted": (
            "أُرسل عدد كبير جدًا من البلاغات دون JavaScript في هذه الساعة. أعيدوا المحاولة "
            "لاحقًا، أو بمتصفح يشغّل JavaScript. في حالة طارئة، اتصلوا بالرقم {police}."
        ),
        "bad_idempotency_key": "مفتاح الإرسال مفقود أو غير صالح.",
        "pow_missing": "التحقق من مكافحة الرسائل المزعجة مفقود: أعيدوا تحميل الصفحة.",
        "pow_invalid": "التحقق من مكافحة الرسائل المزعجة غير صالح: أعيدوا تحميل الصفحة.",
        "pow_expired": "انتهت صلاحية التحقق من مكافحة الرسائل المزعجة: يُعاد إرسال بلاغكم.",
        "pow_mismatch": "هذا التحقق من مكافحة الرسائل المزعجة صدر لإرسال آخر.",
        "method_not_allowed": "هذه الطريقة غير مسموح بها.",
        "bad_armor": "رُفض البلاغ: الملف المشفَّر تالف.",
        "not_age": "رُفض البلاغ: هذا ليس ملفًا مشفَّرًا صالحًا.",
        "wrong_recipients": "رُفض البلاغ: ليس مشفَّرًا بالمفاتيح المنتظرة.",
        "bad_campaign": "رمز الحملة غير صالح.",
        "bad_category": "اختاروا نوع الواقعة.",
        "bad_channel": "رُفض البلاغ: قناة غير معروفة.",
        "empty_description": "صِفوا ما رأيتم: هذا الحقل إلزامي.",
        "too_long": "أحد النصوص طويل جدًا: اختصروه.",
        "too_many_attachments": "{max_photos} صور على الأكثر.",
        "rate_limited": (
            "تصل بلاغات كثيرة من اتصالكم: أعيدوا المحاولة بعد بضع دقائق، أو من اتصال آخر "
            "(بيانات الهاتف، شبكة Wi-Fi أخرى). في حالة طارئة، اتصلوا بالرقم {police}."
        ),
        "bad_attachment": "لا تُقبل إلا صور JPEG أو PNG يمكن قراءتها.",
        "bad_lang": "لغة غير معروفة.",
        "bad_kind": "رُفض البلاغ: نوع رسالة غير معروف.",
        "bad_reply": "رُفض البلاغ: بيانات المتابعة غير صالحة.",
        "bad_plaintext": "رُفض البلاغ: محتواه غير صالح.",
        "bad_version": "رُفض البلاغ: إصدار البلاغ هذا غير مدعوم.",
        "network_cap": (
            "تصل بلاغات كثيرة من شبكتكم في هذه اللحظة: لم يُحفَظ بلاغكم. أعيدوا المحاولة بعد "
            "بضع دقائق، أو من اتصال آخر (بيانات الهاتف، شبكة Wi-Fi أخرى). في حالة طارئة، "
            "اتصلوا بالرقم {police}."
        ),
        "busy": "يعالج الخادم بلاغات أخرى: لم يُحفَظ أي شيء، أعيدوا المحاولة بعد لحظات.",
        "timeout": "كان الإرسال بطيئًا جدًا: أعيدوا المحاولة.",
        "truncated": "لم يكتمل الإرسال: أعيدوا المحاولة.",
        "length_required": "حجم ما أرسلتموه غير معروف: أعيدوا المحاولة.",
        "bad_framing": "تعذّرت قراءة الطلب: أعيدوا المحاولة.",
        "bad_request": "تعذّرت قراءة الطلب: أعيدوا المحاولة.",
        "unknown_host": "عنوان خادم غير معروف.",
        "cross_origin": "رُفض الإرسال: لم يأتِ من الموقع.",
        "not_found": "عنوان غير معروف.",
        "internal_error": "خطأ داخلي: أعيدوا المحاولة.",
    },
}


def message(code: str, lang: str, french: str, **values: object) -> str:
    """The message for `code` in `lang`, else the French one as raised."""
    template = MESSAGES.get(lang, {}).get(code)
    if template is None:
        return french
    return template.format_map({k: str(v) for k, v in values.items()})


def localize(error: ApiError, lang: str, **values: object) -> ApiError:
    """The same refusal (status, code, Retry-After, details) with its message in `lang`."""
    text = message(error.code, lang, error.message, **values)
    if text == error.message:
        return error
    return ApiError(
        error.status, error.code, text, retry_after=error.retry_after, details=error.details
    )
