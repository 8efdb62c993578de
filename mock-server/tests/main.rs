//! Integration tests of idlink-mock: in process through `MockCenter`, and black box through the
//! `idlink-mock serve` binary with curl and openssl. Requirement IDs of docs/protocol.md are
//! cited in test names or comments.

mod support;

mod admin;
mod blackbox;
mod crash;
mod desk;
mod desk_restart;
mod limits;
mod load;
mod malformed;
mod metadata;
mod openapi;
mod problems;
mod scenarios;
mod served;
mod smoke;
mod storage_faults;
mod tls;
mod uploads;
mod web;
