"""What the back office calls things, in Vietnamese: kinds, states, categories, roles."""

from __future__ import annotations

from kiosk.application_status import ApplicationStatus
from kiosk.kinds import FeedbackCategory, SubmissionKind
from office.store.cases import FeedbackState
from office.store.users import UserRole

KINDS = {
    SubmissionKind.QUEUE_TICKET.value: "Số thứ tự",
    SubmissionKind.APPLICATION_INTAKE.value: "Tiếp nhận hồ sơ",
    SubmissionKind.FEEDBACK.value: "Phản ánh kiến nghị",
    SubmissionKind.RATING.value: "Đánh giá hài lòng",
}
assert set(KINDS) == {kind.value for kind in SubmissionKind}

FEEDBACK_STATES = {
    FeedbackState.RECEIVED.value: "Đã tiếp nhận",
    FeedbackState.PROCESSING.value: "Đang xử lý",
    FeedbackState.ANSWERED.value: "Đã trả lời",
    FeedbackState.CLOSED.value: "Đã đóng",
}
APPLICATION_STATUSES = {
    ApplicationStatus.RECEIVED.value: "Đã tiếp nhận",
    ApplicationStatus.IN_PROGRESS.value: "Đang giải quyết",
    ApplicationStatus.NEEDS_DOCUMENTS.value: "Cần bổ sung giấy tờ",
    ApplicationStatus.READY_FOR_PICKUP.value: "Đã có kết quả, mời đến nhận",
    ApplicationStatus.COMPLETED.value: "Đã hoàn thành",
    ApplicationStatus.REJECTED.value: "Từ chối",
}
#: Every state the inbox can filter on (feedback's and applications' share "received").
STATES = {**FEEDBACK_STATES, **APPLICATION_STATUSES,
          FeedbackState.RECEIVED.value: "Đã tiếp nhận"}

CATEGORIES = {
    FeedbackCategory.CONSTRUCTION_ORDER.value: "Trật tự xây dựng",
    FeedbackCategory.ENVIRONMENT_SANITATION.value: "Môi trường, vệ sinh",
    FeedbackCategory.LAND.value: "Đất đai",
    FeedbackCategory.TRAFFIC.value: "Giao thông",
    FeedbackCategory.SERVICE_ATTITUDE.value: "Thái độ phục vụ",
    FeedbackCategory.OTHER.value: "Khác",
}
assert set(CATEGORIES) == {item.value for item in FeedbackCategory}

ROLES = {
    UserRole.CITY_ADMIN.value: "Quản trị thành phố",
    UserRole.COMMUNE_OFFICER.value: "Cán bộ xã/phường",
    UserRole.AUDITOR.value: "Kiểm tra viên",
}

RATINGS = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "acceptable": "Chấp nhận được",
    "unsatisfied": "Không hài lòng",
}
