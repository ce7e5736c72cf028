"""Learning from wrong calls: "wrong call?" and "not for me" feedback on verdicts, its review,
its export as policy cases (which the trained reader learns), and the weekly digest."""

from bot.feedback.model import Feedback, FeedbackOutcome
from bot.feedback.service import FeedbackService

__all__ = ["Feedback", "FeedbackOutcome", "FeedbackService"]
