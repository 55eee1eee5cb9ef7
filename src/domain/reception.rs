//! Leaders' reception days (领导接访、下访、约访): what a session is, and the rules of scheduling and booking. Pure.

text_enum! {
    /// How a leader receives petitioners.
    ReceptionKind {
        /// 接访: at the reception centre, on a published day.
        PublicReception => "PUBLIC_RECEPTION",
        /// 下访: down in a township or village, with cases in hand.
        DownVisit => "DOWN_VISIT",
        /// 约访: by appointment.
        Appointment => "APPOINTMENT",
        /// By video.
        Video => "VIDEO",
    }
}

text_enum! {
    /// Where a reception session stands.
    SessionStatus {
        /// Scheduled by the bureau, not yet public.
        Scheduled => "SCHEDULED",
        /// On the public schedule: petitioners may book it.
        Published => "PUBLISHED",
        /// Called off, with the reason (told to those who booked).
        Cancelled => "CANCELLED",
    }
}

text_enum! {
    /// Where a booking stands.
    BookingStatus {
        /// A place is held.
        Booked => "BOOKED",
        /// Given up by the petitioner (the place is free again).
        Cancelled => "CANCELLED",
    }
}

/// The most places one session offers.
pub const MAX_CAPACITY: i32 = 500;

/// The longest stretch the public schedule answers for at once, in days.
pub const MAX_SCHEDULE_DAYS: i64 = 92;
