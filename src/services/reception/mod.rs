//! Leaders' reception days: bureau clerks schedule sessions for a leader (an account with `CASE_LEAD` whose
//! jurisdiction covers the session's), publish them on the public schedule, and cancel them with a reason that
//! those who booked read on their booking; petitioners book a place (never beyond the capacity, however many book
//! at once; one booking per petitioner and session) and give it up.
//!
//! `days`: the desk's sessions (schedule, publish, cancel, what the desk and the public see, the figures);
//! `bookings`: a petitioner's place; `visits`: who the leader received.

mod bookings;
mod days;
mod visits;

pub use bookings::{book, cancel_booking};
pub use days::{at_the_desk, cancel, figures, public_schedule, publish, schedule, Scheduling};
pub use visits::{record_visit, Visitor};
