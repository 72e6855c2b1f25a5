"""Stage 4's virtio devices on plain memory: the transport, the virtqueue, the
block device and the network device, driven by stage04-kvm-linux/unit/test_virtio.c as a made-up
(and at times hostile) driver would.  Needs no KVM and no kernel."""
import re

from conftest import program, run

# Every test the C program holds: a test that silently stopped running
# would otherwise pass unseen.
TESTS = [
    "the_registers_identify_a_modern_block_device",
    "a_read_split_over_two_buffers_returns_the_image",
    "a_write_whose_header_is_split_reaches_the_image",
    "flush_and_get_id_answer",
    "requests_past_the_end_or_not_whole_sectors_fail_with_ioerr",
    "hostile_chains_are_answered_with_nothing_and_the_queue_goes_on",
    "a_chain_of_more_than_4_gib_is_refused",
    "a_broken_ring_stops_the_queue_until_a_reset",
    "a_request_without_a_status_byte_is_not_answered",
    "features_the_device_did_not_offer_leave_features_ok_clear",
    "a_queue_with_a_bad_layout_never_becomes_ready",
    "notifications_before_driver_ok_do_nothing",
    "a_read_only_disk_refuses_writes",
    "the_net_device_says_its_mac_and_two_queues",
    "a_packet_sent_by_the_guest_reaches_the_tap_whole",
    "a_received_packet_waits_for_a_buffer_and_fills_it",
    "a_receive_chain_with_no_writable_buffer_goes_back_empty",
    "a_missing_tap_is_an_error_naming_the_fix",
]


def test_every_virtio_unit_test_passes():
    result = run([program("stage04-kvm-linux", "test-virtio")], timeout=120)
    failed = re.findall(r"^FAIL - .*$", result.out, re.M)
    assert not failed and result.status == 0, "\n".join(failed) + result.err
    assert re.findall(r"^ok - (\w+)$", result.out, re.M) == TESTS
