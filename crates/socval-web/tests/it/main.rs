//! socval-web's one integration test binary.

mod account;
mod api;
mod browser;
mod delivery;
mod framework;
mod keepalive;
mod layers;
mod limits;
mod matrix;
mod member;
mod no_500;
mod pages;
mod postgres;
mod procurement;
mod purchase;
mod report;
mod report_browser;
mod spend_upload;
mod support;
mod throttle;
mod webdriver;
