/* fleet_protocol.h: Fleet Telemetry wire protocol 1.0, a single-header C99 encoder.
 *
 * GENERATED from Protocols/schema.json by Protocols/c/generate.py: edit those, not this file.
 * The spec is Protocols/README.md. Every function is static inline: include this header
 * wherever you need it, no library to link. Needs <stdint.h>, <stdbool.h>, <stddef.h>,
 * <string.h> (C99; also compiles as C++).
 *
 *   uint8_t frame[FLEET_FAULT_FRAME_SIZE];
 *   fleet_header h = {7, 1, 0, 1767225600000000000u, 0};   robot, boot epoch, sequence, ns, flags
 *   fleet_msg_fault body = {560, FLEET_SEVERITY_INFO, false};
 *   size_t n = fleet_encode_fault(frame, sizeof frame, &h, &body);   0: buffer too small
 *
 * The encoder writes what it is given: ranges, enum values and finiteness are the caller's
 * to respect (the ingester rejects a frame that breaks them). A NaN is written as the
 * quiet NaN the spec asks for. Reserved fields are written as zero.
 */
#ifndef FLEET_PROTOCOL_H
#define FLEET_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FLEET_PROTOCOL_VERSION_MAJOR 1
#define FLEET_PROTOCOL_VERSION_MINOR 0
#define FLEET_HEADER_SIZE 32
#define FLEET_TRAILER_SIZE 4
#define FLEET_MAX_FRAME_BYTES 65536
/** Header flags bit 0: the timestamps are simulated time. */
#define FLEET_FLAG_SIMULATED_TIME 0x01u
/** The ingester's robot id: the sender of ack frames. */
#define FLEET_INGESTER_ROBOT_ID UINT32_C(0xFFFFFFFF)
/** Largest valid timestamp_ns: 2^63 - 1. */
#define FLEET_MAX_TIMESTAMP_NS UINT64_C(0x7FFFFFFFFFFFFFFF)

/* ---- enums (u8 on the wire) */

/** Who is driving the robot. */
enum fleet_mode {
    FLEET_MODE_AUTO = 0,
    FLEET_MODE_TELEOP = 1,
    FLEET_MODE_ESTOP = 2
};

/** What a sanitation robot is doing. */
enum fleet_sanitation_status {
    FLEET_SANITATION_STATUS_IDLE = 0,
    FLEET_SANITATION_STATUS_CLEANING = 1,
    FLEET_SANITATION_STATUS_TRANSIT = 2,
    FLEET_SANITATION_STATUS_DUMPING = 3,
    FLEET_SANITATION_STATUS_CHARGING = 4,
    FLEET_SANITATION_STATUS_FAULT = 5,
    FLEET_SANITATION_STATUS_DOCKED = 6,
    FLEET_SANITATION_STATUS_STUCK = 7
};

/** Phase of a humanoid's litter task. */
enum fleet_task_phase {
    FLEET_TASK_PHASE_IDLE = 0,
    FLEET_TASK_PHASE_WALKING = 1,
    FLEET_TASK_PHASE_SEARCHING = 2,
    FLEET_TASK_PHASE_PICKING = 3,
    FLEET_TASK_PHASE_PLACING = 4,
    FLEET_TASK_PHASE_CARRYING_BIN = 5,
    FLEET_TASK_PHASE_DELIVERING = 6,
    FLEET_TASK_PHASE_FALLEN = 7,
    FLEET_TASK_PHASE_GETTING_UP = 8,
    FLEET_TASK_PHASE_DONE = 9
};

/** What a robot met. */
enum fleet_agent_class {
    FLEET_AGENT_CLASS_UNKNOWN = 0,
    FLEET_AGENT_CLASS_STATIC = 1,
    FLEET_AGENT_CLASS_PEDESTRIAN = 2,
    FLEET_AGENT_CLASS_CYCLIST = 3,
    FLEET_AGENT_CLASS_VEHICLE = 4,
    FLEET_AGENT_CLASS_ROBOT = 5
};

/** What a robot touched, as the rulebook classes it. */
enum fleet_contact_class {
    FLEET_CONTACT_CLASS_STATIC = 1,
    FLEET_CONTACT_CLASS_PEDESTRIAN = 2,
    FLEET_CONTACT_CLASS_CYCLIST = 3,
    FLEET_CONTACT_CLASS_VEHICLE = 4
};

/** Fault severity. */
enum fleet_severity {
    FLEET_SEVERITY_INFO = 0,
    FLEET_SEVERITY_WARNING = 1,
    FLEET_SEVERITY_ERROR = 2,
    FLEET_SEVERITY_CRITICAL = 3
};

/** Kind of human intervention (rulebook A criterion). */
enum fleet_intervention_kind {
    FLEET_INTERVENTION_KIND_TELEOP_SEGMENT = 0,
    FLEET_INTERVENTION_KIND_RESCUE = 1,
    FLEET_INTERVENTION_KIND_REPOSITION = 2,
    FLEET_INTERVENTION_KIND_REMOTE_RESTART = 3,
    FLEET_INTERVENTION_KIND_OPERATOR_HINT = 4
};

/** Kind of litter. */
enum fleet_litter_class {
    FLEET_LITTER_CLASS_DUST = 0,
    FLEET_LITTER_CLASS_GRAVEL = 1,
    FLEET_LITTER_CLASS_OBJECT = 2
};

/** Run lifecycle state. */
enum fleet_run_state {
    FLEET_RUN_STATE_PREPARE = 0,
    FLEET_RUN_STATE_RUNNING = 1,
    FLEET_RUN_STATE_FINISHED = 2,
    FLEET_RUN_STATE_FINAL = 3
};

/** Competition division. */
enum fleet_division {
    FLEET_DIVISION_P = 0,
    FLEET_DIVISION_N = 1,
    FLEET_DIVISION_A = 2,
    FLEET_DIVISION_H = 3
};

/** Protected zone kind. */
enum fleet_zone_kind {
    FLEET_ZONE_KIND_PEDESTRIAN = 1,
    FLEET_ZONE_KIND_BENCH = 2
};

/* ---- message types */

#define FLEET_MSG_SANITATION_STATE 1
#define FLEET_SANITATION_STATE_BODY_SIZE 96
#define FLEET_SANITATION_STATE_FRAME_SIZE 132
#define FLEET_MSG_HUMANOID_STATE 2
#define FLEET_HUMANOID_STATE_BODY_SIZE 488
#define FLEET_HUMANOID_STATE_FRAME_SIZE 524
#define FLEET_MSG_HEARTBEAT 3
#define FLEET_HEARTBEAT_BODY_SIZE 32
#define FLEET_HEARTBEAT_FRAME_SIZE 68
#define FLEET_MSG_COLLISION 16
#define FLEET_COLLISION_BODY_SIZE 28
#define FLEET_COLLISION_FRAME_SIZE 64
#define FLEET_MSG_NEAR_MISS 17
#define FLEET_NEAR_MISS_BODY_SIZE 28
#define FLEET_NEAR_MISS_FRAME_SIZE 64
#define FLEET_MSG_FAULT 18
#define FLEET_FAULT_BODY_SIZE 4
#define FLEET_FAULT_FRAME_SIZE 40
#define FLEET_MSG_INTERVENTION_START 19
#define FLEET_INTERVENTION_START_BODY_SIZE 8
#define FLEET_INTERVENTION_START_FRAME_SIZE 44
#define FLEET_MSG_INTERVENTION_END 20
#define FLEET_INTERVENTION_END_BODY_SIZE 12
#define FLEET_INTERVENTION_END_FRAME_SIZE 48
#define FLEET_MSG_FALL 21
#define FLEET_FALL_BODY_SIZE 32
#define FLEET_FALL_FRAME_SIZE 68
#define FLEET_MSG_GET_UP 22
#define FLEET_GET_UP_BODY_SIZE 8
#define FLEET_GET_UP_FRAME_SIZE 44
#define FLEET_MSG_DUMP 23
#define FLEET_DUMP_BODY_SIZE 24
#define FLEET_DUMP_FRAME_SIZE 60
#define FLEET_MSG_LITTER_PICKUP 24
#define FLEET_LITTER_PICKUP_BODY_SIZE 28
#define FLEET_LITTER_PICKUP_FRAME_SIZE 64
#define FLEET_MSG_RUN_STATE 32
#define FLEET_RUN_STATE_BODY_SIZE 32
#define FLEET_RUN_STATE_FRAME_SIZE 68
#define FLEET_MSG_LITTER_COLLECTED 33
#define FLEET_LITTER_COLLECTED_BODY_SIZE 40
#define FLEET_LITTER_COLLECTED_FRAME_SIZE 76
#define FLEET_MSG_LITTER_SPILLED 34
#define FLEET_LITTER_SPILLED_BODY_SIZE 24
#define FLEET_LITTER_SPILLED_FRAME_SIZE 60
#define FLEET_MSG_CONTACT 35
#define FLEET_CONTACT_BODY_SIZE 40
#define FLEET_CONTACT_FRAME_SIZE 76
#define FLEET_MSG_NEAR_MISS_OBSERVED 36
#define FLEET_NEAR_MISS_OBSERVED_BODY_SIZE 40
#define FLEET_NEAR_MISS_OBSERVED_FRAME_SIZE 76
#define FLEET_MSG_GEOFENCE_EXIT 37
#define FLEET_GEOFENCE_EXIT_BODY_SIZE 32
#define FLEET_GEOFENCE_EXIT_FRAME_SIZE 68
#define FLEET_MSG_INTERVENTION 38
#define FLEET_INTERVENTION_BODY_SIZE 16
#define FLEET_INTERVENTION_FRAME_SIZE 52
#define FLEET_MSG_STAIN_WASHED 39
#define FLEET_STAIN_WASHED_BODY_SIZE 20
#define FLEET_STAIN_WASHED_FRAME_SIZE 56
#define FLEET_MSG_RAMP_CLIMBED 40
#define FLEET_RAMP_CLIMBED_BODY_SIZE 16
#define FLEET_RAMP_CLIMBED_FRAME_SIZE 52
#define FLEET_MSG_SPRAY_VIOLATION 41
#define FLEET_SPRAY_VIOLATION_BODY_SIZE 32
#define FLEET_SPRAY_VIOLATION_FRAME_SIZE 68
#define FLEET_MSG_TRANSFER_DUMP 42
#define FLEET_TRANSFER_DUMP_BODY_SIZE 16
#define FLEET_TRANSFER_DUMP_FRAME_SIZE 52
#define FLEET_MSG_DOCKED 43
#define FLEET_DOCKED_BODY_SIZE 8
#define FLEET_DOCKED_FRAME_SIZE 44
#define FLEET_MSG_ITEM_PLACED 44
#define FLEET_ITEM_PLACED_BODY_SIZE 16
#define FLEET_ITEM_PLACED_FRAME_SIZE 52
#define FLEET_MSG_BIN_DELIVERED 45
#define FLEET_BIN_DELIVERED_BODY_SIZE 16
#define FLEET_BIN_DELIVERED_FRAME_SIZE 52
#define FLEET_MSG_FALL_OBSERVED 46
#define FLEET_FALL_OBSERVED_BODY_SIZE 16
#define FLEET_FALL_OBSERVED_FRAME_SIZE 52
#define FLEET_MSG_ACK 48
#define FLEET_ACK_BODY_SIZE 16
#define FLEET_ACK_FRAME_SIZE 52

/* ---- the frame header's sender fields (the rest is filled in by the encoder) */

typedef struct fleet_header {
    uint32_t robot_id;     /* 1..0xEFFFFFFF robots, 0xF0000000.. infrastructure */
    uint32_t boot_epoch;   /* +1 every restart */
    uint32_t sequence;     /* per (robot_id, boot_epoch), from 0, +1 per frame of any type */
    uint64_t timestamp_ns; /* ns since the Unix epoch, at most FLEET_MAX_TIMESTAMP_NS */
    uint8_t flags;         /* FLEET_FLAG_SIMULATED_TIME or 0 */
} fleet_header;

/* ---- CRC-32 (IEEE 802.3, as zlib.crc32) */

static const uint32_t fleet_crc32_table[256] = {
    0x00000000u, 0x77073096u, 0xEE0E612Cu, 0x990951BAu, 0x076DC419u, 0x706AF48Fu,
    0xE963A535u, 0x9E6495A3u, 0x0EDB8832u, 0x79DCB8A4u, 0xE0D5E91Eu, 0x97D2D988u,
    0x09B64C2Bu, 0x7EB17CBDu, 0xE7B82D07u, 0x90BF1D91u, 0x1DB71064u, 0x6AB020F2u,
    0xF3B97148u, 0x84BE41DEu, 0x1ADAD47Du, 0x6DDDE4EBu, 0xF4D4B551u, 0x83D385C7u,
    0x136C9856u, 0x646BA8C0u, 0xFD62F97Au, 0x8A65C9ECu, 0x14015C4Fu, 0x63066CD9u,
    0xFA0F3D63u, 0x8D080DF5u, 0x3B6E20C8u, 0x4C69105Eu, 0xD56041E4u, 0xA2677172u,
    0x3C03E4D1u, 0x4B04D447u, 0xD20D85FDu, 0xA50AB56Bu, 0x35B5A8FAu, 0x42B2986Cu,
    0xDBBBC9D6u, 0xACBCF940u, 0x32D86CE3u, 0x45DF5C75u, 0xDCD60DCFu, 0xABD13D59u,
    0x26D930ACu, 0x51DE003Au, 0xC8D75180u, 0xBFD06116u, 0x21B4F4B5u, 0x56B3C423u,
    0xCFBA9599u, 0xB8BDA50Fu, 0x2802B89Eu, 0x5F058808u, 0xC60CD9B2u, 0xB10BE924u,
    0x2F6F7C87u, 0x58684C11u, 0xC1611DABu, 0xB6662D3Du, 0x76DC4190u, 0x01DB7106u,
    0x98D220BCu, 0xEFD5102Au, 0x71B18589u, 0x06B6B51Fu, 0x9FBFE4A5u, 0xE8B8D433u,
    0x7807C9A2u, 0x0F00F934u, 0x9609A88Eu, 0xE10E9818u, 0x7F6A0DBBu, 0x086D3D2Du,
    0x91646C97u, 0xE6635C01u, 0x6B6B51F4u, 0x1C6C6162u, 0x856530D8u, 0xF262004Eu,
    0x6C0695EDu, 0x1B01A57Bu, 0x8208F4C1u, 0xF50FC457u, 0x65B0D9C6u, 0x12B7E950u,
    0x8BBEB8EAu, 0xFCB9887Cu, 0x62DD1DDFu, 0x15DA2D49u, 0x8CD37CF3u, 0xFBD44C65u,
    0x4DB26158u, 0x3AB551CEu, 0xA3BC0074u, 0xD4BB30E2u, 0x4ADFA541u, 0x3DD895D7u,
    0xA4D1C46Du, 0xD3D6F4FBu, 0x4369E96Au, 0x346ED9FCu, 0xAD678846u, 0xDA60B8D0u,
    0x44042D73u, 0x33031DE5u, 0xAA0A4C5Fu, 0xDD0D7CC9u, 0x5005713Cu, 0x270241AAu,
    0xBE0B1010u, 0xC90C2086u, 0x5768B525u, 0x206F85B3u, 0xB966D409u, 0xCE61E49Fu,
    0x5EDEF90Eu, 0x29D9C998u, 0xB0D09822u, 0xC7D7A8B4u, 0x59B33D17u, 0x2EB40D81u,
    0xB7BD5C3Bu, 0xC0BA6CADu, 0xEDB88320u, 0x9ABFB3B6u, 0x03B6E20Cu, 0x74B1D29Au,
    0xEAD54739u, 0x9DD277AFu, 0x04DB2615u, 0x73DC1683u, 0xE3630B12u, 0x94643B84u,
    0x0D6D6A3Eu, 0x7A6A5AA8u, 0xE40ECF0Bu, 0x9309FF9Du, 0x0A00AE27u, 0x7D079EB1u,
    0xF00F9344u, 0x8708A3D2u, 0x1E01F268u, 0x6906C2FEu, 0xF762575Du, 0x806567CBu,
    0x196C3671u, 0x6E6B06E7u, 0xFED41B76u, 0x89D32BE0u, 0x10DA7A5Au, 0x67DD4ACCu,
    0xF9B9DF6Fu, 0x8EBEEFF9u, 0x17B7BE43u, 0x60B08ED5u, 0xD6D6A3E8u, 0xA1D1937Eu,
    0x38D8C2C4u, 0x4FDFF252u, 0xD1BB67F1u, 0xA6BC5767u, 0x3FB506DDu, 0x48B2364Bu,
    0xD80D2BDAu, 0xAF0A1B4Cu, 0x36034AF6u, 0x41047A60u, 0xDF60EFC3u, 0xA867DF55u,
    0x316E8EEFu, 0x4669BE79u, 0xCB61B38Cu, 0xBC66831Au, 0x256FD2A0u, 0x5268E236u,
    0xCC0C7795u, 0xBB0B4703u, 0x220216B9u, 0x5505262Fu, 0xC5BA3BBEu, 0xB2BD0B28u,
    0x2BB45A92u, 0x5CB36A04u, 0xC2D7FFA7u, 0xB5D0CF31u, 0x2CD99E8Bu, 0x5BDEAE1Du,
    0x9B64C2B0u, 0xEC63F226u, 0x756AA39Cu, 0x026D930Au, 0x9C0906A9u, 0xEB0E363Fu,
    0x72076785u, 0x05005713u, 0x95BF4A82u, 0xE2B87A14u, 0x7BB12BAEu, 0x0CB61B38u,
    0x92D28E9Bu, 0xE5D5BE0Du, 0x7CDCEFB7u, 0x0BDBDF21u, 0x86D3D2D4u, 0xF1D4E242u,
    0x68DDB3F8u, 0x1FDA836Eu, 0x81BE16CDu, 0xF6B9265Bu, 0x6FB077E1u, 0x18B74777u,
    0x88085AE6u, 0xFF0F6A70u, 0x66063BCAu, 0x11010B5Cu, 0x8F659EFFu, 0xF862AE69u,
    0x616BFFD3u, 0x166CCF45u, 0xA00AE278u, 0xD70DD2EEu, 0x4E048354u, 0x3903B3C2u,
    0xA7672661u, 0xD06016F7u, 0x4969474Du, 0x3E6E77DBu, 0xAED16A4Au, 0xD9D65ADCu,
    0x40DF0B66u, 0x37D83BF0u, 0xA9BCAE53u, 0xDEBB9EC5u, 0x47B2CF7Fu, 0x30B5FFE9u,
    0xBDBDF21Cu, 0xCABAC28Au, 0x53B39330u, 0x24B4A3A6u, 0xBAD03605u, 0xCDD70693u,
    0x54DE5729u, 0x23D967BFu, 0xB3667A2Eu, 0xC4614AB8u, 0x5D681B02u, 0x2A6F2B94u,
    0xB40BBE37u, 0xC30C8EA1u, 0x5A05DF1Bu, 0x2D02EF8Du
};

/** CRC-32 of `length` bytes; fleet_crc32("123456789", 9) == 0xCBF43926. */
static inline uint32_t fleet_crc32(const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    for (i = 0; i < length; i++) crc = fleet_crc32_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

/* ---- little-endian writers */

static inline void fleet_put_u8(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void fleet_put_i8(uint8_t *p, int8_t v) { p[0] = (uint8_t)v; }
static inline void fleet_put_bool(uint8_t *p, bool v) { p[0] = v ? 1u : 0u; }
static inline void fleet_put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void fleet_put_i16(uint8_t *p, int16_t v) { fleet_put_u16(p, (uint16_t)v); }
static inline void fleet_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void fleet_put_i32(uint8_t *p, int32_t v) { fleet_put_u32(p, (uint32_t)v); }
static inline void fleet_put_u64(uint8_t *p, uint64_t v) {
    fleet_put_u32(p, (uint32_t)v);
    fleet_put_u32(p + 4, (uint32_t)(v >> 32));
}
static inline void fleet_put_i64(uint8_t *p, int64_t v) { fleet_put_u64(p, (uint64_t)v); }
static inline void fleet_put_f32(uint8_t *p, float v) {
    uint32_t bits = UINT32_C(0x7FC00000); /* the quiet NaN the spec asks for */
    if (v == v) memcpy(&bits, &v, sizeof bits);
    fleet_put_u32(p, bits);
}
static inline void fleet_put_f64(uint8_t *p, double v) {
    uint64_t bits = UINT64_C(0x7FF8000000000000);
    if (v == v) memcpy(&bits, &v, sizeof bits);
    fleet_put_u64(p, bits);
}

/** Writes the 32-byte header of a frame of `message_type` with a body of `body_length` bytes. */
static inline void fleet_encode_header(uint8_t *out, const fleet_header *h, uint8_t message_type,
                                       uint32_t body_length) {
    out[0] = 0x46u; /* 'F' */
    out[1] = 0x54u; /* 'T' */
    out[2] = FLEET_PROTOCOL_VERSION_MAJOR;
    out[3] = message_type;
    out[4] = FLEET_PROTOCOL_VERSION_MINOR;
    out[5] = h->flags;
    fleet_put_u16(out + 6, FLEET_HEADER_SIZE);
    fleet_put_u32(out + 8, h->robot_id);
    fleet_put_u32(out + 12, h->boot_epoch);
    fleet_put_u32(out + 16, h->sequence);
    fleet_put_u32(out + 20, body_length);
    fleet_put_u64(out + 24, h->timestamp_ns);
}

/** Appends the CRC-32 trailer to a frame whose header and body take `length` bytes;
 *  returns the frame's full length. */
static inline size_t fleet_finish_frame(uint8_t *out, size_t length) {
    fleet_put_u32(out + length, fleet_crc32(out, length));
    return length + FLEET_TRAILER_SIZE;
}

/* ---- 1 sanitation_state (state): Periodic state of a sanitation robot (sweeper, litter picker, washer); default 10 Hz. */

typedef struct fleet_msg_sanitation_state {
    double x;                          /* Position east in the arena frame. [m] */
    double y;                          /* Position north in the arena frame. [m] */
    double energy_used;                /* Energy drawn from the battery since boot (cumulative). [Wh] */
    double distance;                   /* Distance driven since boot (cumulative). [m] */
    double area_cleaned;               /* Area the robot believes it has cleaned since boot (cumulative, its own estimate). [m2] */
    float heading;                     /* Heading, counter-clockwise from east. Senders normalise to (-pi, pi]; receivers accept any finite angle (it is taken modulo 2 pi). [rad] */
    float speed;                       /* Ground speed (signed: negative when reversing). [m/s] */
    float turn_rate;                   /* Yaw rate. [rad/s] */
    float brush_rpm;                   /* Main brush speed. [rpm] Range 0... */
    float suction;                     /* Suction fan power. [%] Range 0..100. */
    float water_flow;                  /* Spray water flow. [l/min] Range 0... */
    float hopper_fill;                 /* Hopper fill level. [%] Range 0..100. */
    float clean_water;                 /* Clean water tank level. [%] Range 0..100. */
    float dirty_water;                 /* Dirty water tank level. [%] Range 0..100. */
    float battery_soc;                 /* Battery state of charge. [%] Range 0..100. */
    float battery_voltage;             /* Battery voltage. [V] Range 0... */
    float battery_current;             /* Battery current, positive when discharging. [A] */
    float battery_temperature;         /* Battery temperature; NaN when not measured. [degC] NaN allowed (not measured). */
    uint8_t mode;                      /* Who drives. enum fleet_mode. */
    uint8_t status;                    /* What the robot is doing. enum fleet_sanitation_status. */
    bool brush_down;                   /* Main brush lowered onto the ground (counts for coverage). */
    bool spraying;                     /* Spray nozzles open. */
} fleet_msg_sanitation_state;

/** Writes the 96-byte body of sanitation_state into `body`. */
static inline void fleet_encode_sanitation_state_body(uint8_t *body, const fleet_msg_sanitation_state *m) {
    memset(body, 0, FLEET_SANITATION_STATE_BODY_SIZE);
    fleet_put_f64(body + 0, m->x);
    fleet_put_f64(body + 8, m->y);
    fleet_put_f64(body + 16, m->energy_used);
    fleet_put_f64(body + 24, m->distance);
    fleet_put_f64(body + 32, m->area_cleaned);
    fleet_put_f32(body + 40, m->heading);
    fleet_put_f32(body + 44, m->speed);
    fleet_put_f32(body + 48, m->turn_rate);
    fleet_put_f32(body + 52, m->brush_rpm);
    fleet_put_f32(body + 56, m->suction);
    fleet_put_f32(body + 60, m->water_flow);
    fleet_put_f32(body + 64, m->hopper_fill);
    fleet_put_f32(body + 68, m->clean_water);
    fleet_put_f32(body + 72, m->dirty_water);
    fleet_put_f32(body + 76, m->battery_soc);
    fleet_put_f32(body + 80, m->battery_voltage);
    fleet_put_f32(body + 84, m->battery_current);
    fleet_put_f32(body + 88, m->battery_temperature);
    fleet_put_u8(body + 92, m->mode);
    fleet_put_u8(body + 93, m->status);
    fleet_put_bool(body + 94, m->brush_down);
    fleet_put_bool(body + 95, m->spraying);
}

/** Encodes a whole sanitation_state frame (FLEET_SANITATION_STATE_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_sanitation_state(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_sanitation_state *m) {
    if (capacity < FLEET_SANITATION_STATE_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_SANITATION_STATE, FLEET_SANITATION_STATE_BODY_SIZE);
    fleet_encode_sanitation_state_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_SANITATION_STATE_BODY_SIZE);
}

/* ---- 2 humanoid_state (state): Periodic state of a humanoid robot; default 50 Hz. Joint arrays follow the joint order of `joints`. */

typedef struct fleet_msg_humanoid_state {
    double x;                          /* Base position east in the arena frame. [m] */
    double y;                          /* Base position north in the arena frame. [m] */
    double energy_used;                /* Energy drawn from the battery since boot (cumulative). [Wh] */
    float base_height;                 /* Height of the pelvis above the ground. [m] */
    float heading;                     /* Base yaw, counter-clockwise from east. Senders normalise to (-pi, pi]; receivers accept any finite angle (it is taken modulo 2 pi). [rad] */
    float speed;                       /* Walking speed. [m/s] */
    float orientation_w;               /* IMU orientation quaternion, scalar part. Range -1..1. */
    float orientation_x;               /* IMU orientation quaternion, x. Range -1..1. */
    float orientation_y;               /* IMU orientation quaternion, y. Range -1..1. */
    float orientation_z;               /* IMU orientation quaternion, z. Range -1..1. */
    float gyro_x;                      /* IMU angular rate about x. [rad/s] */
    float gyro_y;                      /* IMU angular rate about y. [rad/s] */
    float gyro_z;                      /* IMU angular rate about z. [rad/s] */
    float accel_x;                     /* IMU specific force along x. [m/s2] */
    float accel_y;                     /* IMU specific force along y. [m/s2] */
    float accel_z;                     /* IMU specific force along z. [m/s2] */
    float battery_soc;                 /* Battery state of charge. [%] Range 0..100. */
    float battery_voltage;             /* Battery voltage. [V] Range 0... */
    float battery_current;             /* Battery current, positive when discharging. [A] */
    float battery_temperature;         /* Battery temperature; NaN when not measured. [degC] NaN allowed (not measured). */
    float joint_position[24];          /* Joint angles. [rad] */
    float joint_velocity[24];          /* Joint velocities. [rad/s] */
    float joint_effort[24];            /* Joint torques. [N*m] */
    float joint_temperature[24];       /* Joint motor temperatures. [degC] */
    uint8_t task_phase;                /* Phase of the litter task. enum fleet_task_phase. */
    uint8_t mode;                      /* Who drives. enum fleet_mode. */
    uint16_t items_picked;             /* Litter items picked up since boot. */
    uint16_t items_placed;             /* Litter items placed in a bin since boot. */
    uint16_t falls;                    /* Falls since boot. */
    uint16_t get_ups;                  /* Unaided get-ups since boot. */
} fleet_msg_humanoid_state;

/** Writes the 488-byte body of humanoid_state into `body`. */
static inline void fleet_encode_humanoid_state_body(uint8_t *body, const fleet_msg_humanoid_state *m) {
    size_t i;
    memset(body, 0, FLEET_HUMANOID_STATE_BODY_SIZE);
    fleet_put_f64(body + 0, m->x);
    fleet_put_f64(body + 8, m->y);
    fleet_put_f64(body + 16, m->energy_used);
    fleet_put_f32(body + 24, m->base_height);
    fleet_put_f32(body + 28, m->heading);
    fleet_put_f32(body + 32, m->speed);
    fleet_put_f32(body + 36, m->orientation_w);
    fleet_put_f32(body + 40, m->orientation_x);
    fleet_put_f32(body + 44, m->orientation_y);
    fleet_put_f32(body + 48, m->orientation_z);
    fleet_put_f32(body + 52, m->gyro_x);
    fleet_put_f32(body + 56, m->gyro_y);
    fleet_put_f32(body + 60, m->gyro_z);
    fleet_put_f32(body + 64, m->accel_x);
    fleet_put_f32(body + 68, m->accel_y);
    fleet_put_f32(body + 72, m->accel_z);
    fleet_put_f32(body + 76, m->battery_soc);
    fleet_put_f32(body + 80, m->battery_voltage);
    fleet_put_f32(body + 84, m->battery_current);
    fleet_put_f32(body + 88, m->battery_temperature);
    for (i = 0; i < 24; i++) fleet_put_f32(body + 92 + 4 * i, m->joint_position[i]);
    for (i = 0; i < 24; i++) fleet_put_f32(body + 188 + 4 * i, m->joint_velocity[i]);
    for (i = 0; i < 24; i++) fleet_put_f32(body + 284 + 4 * i, m->joint_effort[i]);
    for (i = 0; i < 24; i++) fleet_put_f32(body + 380 + 4 * i, m->joint_temperature[i]);
    fleet_put_u8(body + 476, m->task_phase);
    fleet_put_u8(body + 477, m->mode);
    fleet_put_u16(body + 478, m->items_picked);
    fleet_put_u16(body + 480, m->items_placed);
    fleet_put_u16(body + 482, m->falls);
    fleet_put_u16(body + 484, m->get_ups);
}

/** Encodes a whole humanoid_state frame (FLEET_HUMANOID_STATE_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_humanoid_state(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_humanoid_state *m) {
    if (capacity < FLEET_HUMANOID_STATE_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_HUMANOID_STATE, FLEET_HUMANOID_STATE_BODY_SIZE);
    fleet_encode_humanoid_state_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_HUMANOID_STATE_BODY_SIZE);
}

/* ---- 3 heartbeat (state): Once a second: what the sender has sent, so a receiver can tell loss from silence. */

typedef struct fleet_msg_heartbeat {
    uint64_t frames_sent;              /* Frames sent in this boot epoch before this one (= this frame's sequence). */
    double uptime;                     /* Time since boot. [s] */
    uint32_t state_frames;             /* State frames sent in this boot epoch. */
    uint32_t event_frames;             /* Event frames sent in this boot epoch. */
    uint32_t queue_drops;              /* Frames the sender dropped locally (send queue full). */
    float state_rate;                  /* Configured state publishing rate. [Hz] Range 0... */
} fleet_msg_heartbeat;

/** Writes the 32-byte body of heartbeat into `body`. */
static inline void fleet_encode_heartbeat_body(uint8_t *body, const fleet_msg_heartbeat *m) {
    memset(body, 0, FLEET_HEARTBEAT_BODY_SIZE);
    fleet_put_u64(body + 0, m->frames_sent);
    fleet_put_f64(body + 8, m->uptime);
    fleet_put_u32(body + 16, m->state_frames);
    fleet_put_u32(body + 20, m->event_frames);
    fleet_put_u32(body + 24, m->queue_drops);
    fleet_put_f32(body + 28, m->state_rate);
}

/** Encodes a whole heartbeat frame (FLEET_HEARTBEAT_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_heartbeat(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_heartbeat *m) {
    if (capacity < FLEET_HEARTBEAT_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_HEARTBEAT, FLEET_HEARTBEAT_BODY_SIZE);
    fleet_encode_heartbeat_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_HEARTBEAT_BODY_SIZE);
}

/* ---- 16 collision (robot_event): The robot detected a collision. */

typedef struct fleet_msg_collision {
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    float speed;                       /* Robot speed at impact. [m/s] */
    float impulse;                     /* Measured impulse; NaN when not measured. [N*s] NaN allowed (not measured). */
    uint8_t other;                     /* What was hit, as the robot classifies it. enum fleet_agent_class. */
} fleet_msg_collision;

/** Writes the 28-byte body of collision into `body`. */
static inline void fleet_encode_collision_body(uint8_t *body, const fleet_msg_collision *m) {
    memset(body, 0, FLEET_COLLISION_BODY_SIZE);
    fleet_put_f64(body + 0, m->x);
    fleet_put_f64(body + 8, m->y);
    fleet_put_f32(body + 16, m->speed);
    fleet_put_f32(body + 20, m->impulse);
    fleet_put_u8(body + 24, m->other);
}

/** Encodes a whole collision frame (FLEET_COLLISION_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_collision(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_collision *m) {
    if (capacity < FLEET_COLLISION_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_COLLISION, FLEET_COLLISION_BODY_SIZE);
    fleet_encode_collision_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_COLLISION_BODY_SIZE);
}

/* ---- 17 near_miss (robot_event): The robot passed closer than 0.5 m to a moving agent while faster than 0.5 m/s (its own detection). */

typedef struct fleet_msg_near_miss {
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    float clearance;                   /* Smallest distance to the agent. [m] Range 0... */
    float speed;                       /* Robot speed. [m/s] */
    uint8_t other;                     /* What the agent was. enum fleet_agent_class. */
} fleet_msg_near_miss;

/** Writes the 28-byte body of near_miss into `body`. */
static inline void fleet_encode_near_miss_body(uint8_t *body, const fleet_msg_near_miss *m) {
    memset(body, 0, FLEET_NEAR_MISS_BODY_SIZE);
    fleet_put_f64(body + 0, m->x);
    fleet_put_f64(body + 8, m->y);
    fleet_put_f32(body + 16, m->clearance);
    fleet_put_f32(body + 20, m->speed);
    fleet_put_u8(body + 24, m->other);
}

/** Encodes a whole near_miss frame (FLEET_NEAR_MISS_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_near_miss(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_near_miss *m) {
    if (capacity < FLEET_NEAR_MISS_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_NEAR_MISS, FLEET_NEAR_MISS_BODY_SIZE);
    fleet_encode_near_miss_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_NEAR_MISS_BODY_SIZE);
}

/* ---- 18 fault (robot_event): A fault was raised or cleared. */

typedef struct fleet_msg_fault {
    uint16_t code;                     /* Vendor fault code (1 brush jam, 2 low battery, 3 drive, 4 sensor; others vendor specific). */
    uint8_t severity;                  /* How bad. enum fleet_severity. */
    bool active;                       /* 1 raised, 0 cleared. */
} fleet_msg_fault;

/** Writes the 4-byte body of fault into `body`. */
static inline void fleet_encode_fault_body(uint8_t *body, const fleet_msg_fault *m) {
    memset(body, 0, FLEET_FAULT_BODY_SIZE);
    fleet_put_u16(body + 0, m->code);
    fleet_put_u8(body + 2, m->severity);
    fleet_put_bool(body + 3, m->active);
}

/** Encodes a whole fault frame (FLEET_FAULT_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_fault(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_fault *m) {
    if (capacity < FLEET_FAULT_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_FAULT, FLEET_FAULT_BODY_SIZE);
    fleet_encode_fault_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_FAULT_BODY_SIZE);
}

/* ---- 19 intervention_start (robot_event): A human took over or helped (as the robot saw it). */

typedef struct fleet_msg_intervention_start {
    uint32_t intervention_id;          /* Sender-chosen id, repeated in the matching intervention_end. */
    uint8_t kind;                      /* Kind. enum fleet_intervention_kind. */
} fleet_msg_intervention_start;

/** Writes the 8-byte body of intervention_start into `body`. */
static inline void fleet_encode_intervention_start_body(uint8_t *body, const fleet_msg_intervention_start *m) {
    memset(body, 0, FLEET_INTERVENTION_START_BODY_SIZE);
    fleet_put_u32(body + 0, m->intervention_id);
    fleet_put_u8(body + 4, m->kind);
}

/** Encodes a whole intervention_start frame (FLEET_INTERVENTION_START_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_intervention_start(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_intervention_start *m) {
    if (capacity < FLEET_INTERVENTION_START_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_INTERVENTION_START, FLEET_INTERVENTION_START_BODY_SIZE);
    fleet_encode_intervention_start_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_INTERVENTION_START_BODY_SIZE);
}

/* ---- 20 intervention_end (robot_event): The intervention with this id ended. */

typedef struct fleet_msg_intervention_end {
    uint32_t intervention_id;          /* Id from intervention_start. */
    float duration;                    /* How long it lasted. [s] Range 0... */
    uint8_t kind;                      /* Kind. enum fleet_intervention_kind. */
} fleet_msg_intervention_end;

/** Writes the 12-byte body of intervention_end into `body`. */
static inline void fleet_encode_intervention_end_body(uint8_t *body, const fleet_msg_intervention_end *m) {
    memset(body, 0, FLEET_INTERVENTION_END_BODY_SIZE);
    fleet_put_u32(body + 0, m->intervention_id);
    fleet_put_f32(body + 4, m->duration);
    fleet_put_u8(body + 8, m->kind);
}

/** Encodes a whole intervention_end frame (FLEET_INTERVENTION_END_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_intervention_end(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_intervention_end *m) {
    if (capacity < FLEET_INTERVENTION_END_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_INTERVENTION_END, FLEET_INTERVENTION_END_BODY_SIZE);
    fleet_encode_intervention_end_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_INTERVENTION_END_BODY_SIZE);
}

/* ---- 21 fall (robot_event): A humanoid fell (|roll| or |pitch| > 60 deg, or base below 50% of nominal height). */

typedef struct fleet_msg_fall {
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    float roll;                        /* Roll at detection. [rad] */
    float pitch;                       /* Pitch at detection. [rad] */
    float base_height;                 /* Pelvis height at detection. [m] */
} fleet_msg_fall;

/** Writes the 32-byte body of fall into `body`. */
static inline void fleet_encode_fall_body(uint8_t *body, const fleet_msg_fall *m) {
    memset(body, 0, FLEET_FALL_BODY_SIZE);
    fleet_put_f64(body + 0, m->x);
    fleet_put_f64(body + 8, m->y);
    fleet_put_f32(body + 16, m->roll);
    fleet_put_f32(body + 20, m->pitch);
    fleet_put_f32(body + 24, m->base_height);
}

/** Encodes a whole fall frame (FLEET_FALL_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_fall(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_fall *m) {
    if (capacity < FLEET_FALL_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_FALL, FLEET_FALL_BODY_SIZE);
    fleet_encode_fall_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_FALL_BODY_SIZE);
}

/* ---- 22 get_up (robot_event): A fallen humanoid is upright again. */

typedef struct fleet_msg_get_up {
    float duration;                    /* Time from fall to upright. [s] Range 0... */
    bool unaided;                      /* 1 if the robot got up by itself. */
} fleet_msg_get_up;

/** Writes the 8-byte body of get_up into `body`. */
static inline void fleet_encode_get_up_body(uint8_t *body, const fleet_msg_get_up *m) {
    memset(body, 0, FLEET_GET_UP_BODY_SIZE);
    fleet_put_f32(body + 0, m->duration);
    fleet_put_bool(body + 4, m->unaided);
}

/** Encodes a whole get_up frame (FLEET_GET_UP_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_get_up(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_get_up *m) {
    if (capacity < FLEET_GET_UP_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_GET_UP, FLEET_GET_UP_BODY_SIZE);
    fleet_encode_get_up_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_GET_UP_BODY_SIZE);
}

/* ---- 23 dump (robot_event): The robot emptied its hopper or delivered a bin. */

typedef struct fleet_msg_dump {
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    float mass;                        /* Mass dumped. [kg] Range 0... */
    uint16_t items;                    /* Objects dumped. */
    bool at_transfer_point;            /* 1 if at the transfer point. */
} fleet_msg_dump;

/** Writes the 24-byte body of dump into `body`. */
static inline void fleet_encode_dump_body(uint8_t *body, const fleet_msg_dump *m) {
    memset(body, 0, FLEET_DUMP_BODY_SIZE);
    fleet_put_f64(body + 0, m->x);
    fleet_put_f64(body + 8, m->y);
    fleet_put_f32(body + 16, m->mass);
    fleet_put_u16(body + 20, m->items);
    fleet_put_bool(body + 22, m->at_transfer_point);
}

/** Encodes a whole dump frame (FLEET_DUMP_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_dump(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_dump *m) {
    if (capacity < FLEET_DUMP_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_DUMP, FLEET_DUMP_BODY_SIZE);
    fleet_encode_dump_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_DUMP_BODY_SIZE);
}

/* ---- 24 litter_pickup (robot_event): The robot believes it picked up a litter item. */

typedef struct fleet_msg_litter_pickup {
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    uint32_t item_id;                  /* Item id if the robot recognised it, else 0. */
    float mass;                        /* Estimated mass. [kg] Range 0... */
    uint8_t litter;                    /* Kind. enum fleet_litter_class. */
} fleet_msg_litter_pickup;

/** Writes the 28-byte body of litter_pickup into `body`. */
static inline void fleet_encode_litter_pickup_body(uint8_t *body, const fleet_msg_litter_pickup *m) {
    memset(body, 0, FLEET_LITTER_PICKUP_BODY_SIZE);
    fleet_put_f64(body + 0, m->x);
    fleet_put_f64(body + 8, m->y);
    fleet_put_u32(body + 16, m->item_id);
    fleet_put_f32(body + 20, m->mass);
    fleet_put_u8(body + 24, m->litter);
}

/** Encodes a whole litter_pickup frame (FLEET_LITTER_PICKUP_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_litter_pickup(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_litter_pickup *m) {
    if (capacity < FLEET_LITTER_PICKUP_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_LITTER_PICKUP, FLEET_LITTER_PICKUP_BODY_SIZE);
    fleet_encode_litter_pickup_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_LITTER_PICKUP_BODY_SIZE);
}

/* ---- 32 run_state (referee_event): The run changed state. */

typedef struct fleet_msg_run_state {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint8_t state;                     /* New state. enum fleet_run_state. */
    uint8_t division;                  /* Division of the run. enum fleet_division. */
    uint64_t arena_seed;               /* Seed the arena layout was generated from. */
    double duration;                   /* Scheduled run length. [s] Range 0... */
} fleet_msg_run_state;

/** Writes the 32-byte body of run_state into `body`. */
static inline void fleet_encode_run_state_body(uint8_t *body, const fleet_msg_run_state *m) {
    memset(body, 0, FLEET_RUN_STATE_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u8(body + 8, m->state);
    fleet_put_u8(body + 9, m->division);
    fleet_put_u64(body + 16, m->arena_seed);
    fleet_put_f64(body + 24, m->duration);
}

/** Encodes a whole run_state frame (FLEET_RUN_STATE_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_run_state(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_run_state *m) {
    if (capacity < FLEET_RUN_STATE_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_RUN_STATE, FLEET_RUN_STATE_BODY_SIZE);
    fleet_encode_run_state_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_RUN_STATE_BODY_SIZE);
}

/* ---- 33 litter_collected (referee_event): The arena saw a litter item enter a robot's hopper or hand. */

typedef struct fleet_msg_litter_collected {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint32_t item_id;                  /* Item id from the arena layout. */
    float mass;                        /* Item mass. [kg] Range 0... */
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    uint8_t litter;                    /* Kind. enum fleet_litter_class. */
    uint8_t rating;                    /* Object rating 1-5; 0 for dust and gravel. Range ..5. */
} fleet_msg_litter_collected;

/** Writes the 40-byte body of litter_collected into `body`. */
static inline void fleet_encode_litter_collected_body(uint8_t *body, const fleet_msg_litter_collected *m) {
    memset(body, 0, FLEET_LITTER_COLLECTED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u32(body + 8, m->item_id);
    fleet_put_f32(body + 12, m->mass);
    fleet_put_f64(body + 16, m->x);
    fleet_put_f64(body + 24, m->y);
    fleet_put_u8(body + 32, m->litter);
    fleet_put_u8(body + 33, m->rating);
}

/** Encodes a whole litter_collected frame (FLEET_LITTER_COLLECTED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_litter_collected(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_litter_collected *m) {
    if (capacity < FLEET_LITTER_COLLECTED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_LITTER_COLLECTED, FLEET_LITTER_COLLECTED_BODY_SIZE);
    fleet_encode_litter_collected_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_LITTER_COLLECTED_BODY_SIZE);
}

/* ---- 34 litter_spilled (referee_event): An item left a robot's hopper again (overflow or spill): it no longer counts. */

typedef struct fleet_msg_litter_spilled {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint32_t item_id;                  /* Item id. */
    float mass;                        /* Item mass. [kg] Range 0... */
    uint8_t litter;                    /* Kind. enum fleet_litter_class. */
    uint8_t rating;                    /* Object rating 1-5; 0 for dust and gravel. Range ..5. */
    bool overflow;                     /* 1 if the hopper overflowed (penalised per object). */
} fleet_msg_litter_spilled;

/** Writes the 24-byte body of litter_spilled into `body`. */
static inline void fleet_encode_litter_spilled_body(uint8_t *body, const fleet_msg_litter_spilled *m) {
    memset(body, 0, FLEET_LITTER_SPILLED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u32(body + 8, m->item_id);
    fleet_put_f32(body + 12, m->mass);
    fleet_put_u8(body + 16, m->litter);
    fleet_put_u8(body + 17, m->rating);
    fleet_put_bool(body + 18, m->overflow);
}

/** Encodes a whole litter_spilled frame (FLEET_LITTER_SPILLED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_litter_spilled(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_litter_spilled *m) {
    if (capacity < FLEET_LITTER_SPILLED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_LITTER_SPILLED, FLEET_LITTER_SPILLED_BODY_SIZE);
    fleet_encode_litter_spilled_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_LITTER_SPILLED_BODY_SIZE);
}

/* ---- 35 contact (referee_event): A robot touched something. */

typedef struct fleet_msg_contact {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    float speed;                       /* Robot speed at contact. [m/s] */
    uint32_t agent_id;                 /* Arena id of what was touched (0 for fixed obstacles). */
    uint8_t contact;                   /* What was touched. enum fleet_contact_class. */
} fleet_msg_contact;

/** Writes the 40-byte body of contact into `body`. */
static inline void fleet_encode_contact_body(uint8_t *body, const fleet_msg_contact *m) {
    memset(body, 0, FLEET_CONTACT_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_f64(body + 8, m->x);
    fleet_put_f64(body + 16, m->y);
    fleet_put_f32(body + 24, m->speed);
    fleet_put_u32(body + 28, m->agent_id);
    fleet_put_u8(body + 32, m->contact);
}

/** Encodes a whole contact frame (FLEET_CONTACT_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_contact(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_contact *m) {
    if (capacity < FLEET_CONTACT_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_CONTACT, FLEET_CONTACT_BODY_SIZE);
    fleet_encode_contact_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_CONTACT_BODY_SIZE);
}

/* ---- 36 near_miss_observed (referee_event): The arena saw a robot pass closer than 0.5 m to a moving agent while faster than 0.5 m/s. */

typedef struct fleet_msg_near_miss_observed {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    float clearance;                   /* Smallest distance. [m] Range 0... */
    float speed;                       /* Robot speed. [m/s] */
    uint32_t agent_id;                 /* Arena id of the agent. */
    uint8_t other;                     /* What the agent was. enum fleet_agent_class. */
} fleet_msg_near_miss_observed;

/** Writes the 40-byte body of near_miss_observed into `body`. */
static inline void fleet_encode_near_miss_observed_body(uint8_t *body, const fleet_msg_near_miss_observed *m) {
    memset(body, 0, FLEET_NEAR_MISS_OBSERVED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_f64(body + 8, m->x);
    fleet_put_f64(body + 16, m->y);
    fleet_put_f32(body + 24, m->clearance);
    fleet_put_f32(body + 28, m->speed);
    fleet_put_u32(body + 32, m->agent_id);
    fleet_put_u8(body + 36, m->other);
}

/** Encodes a whole near_miss_observed frame (FLEET_NEAR_MISS_OBSERVED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_near_miss_observed(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_near_miss_observed *m) {
    if (capacity < FLEET_NEAR_MISS_OBSERVED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_NEAR_MISS_OBSERVED, FLEET_NEAR_MISS_OBSERVED_BODY_SIZE);
    fleet_encode_near_miss_observed_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_NEAR_MISS_OBSERVED_BODY_SIZE);
}

/* ---- 37 geofence_exit (referee_event): A robot left the arena boundary. */

typedef struct fleet_msg_geofence_exit {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    float distance_out;                /* How far outside. [m] Range 0... */
} fleet_msg_geofence_exit;

/** Writes the 32-byte body of geofence_exit into `body`. */
static inline void fleet_encode_geofence_exit_body(uint8_t *body, const fleet_msg_geofence_exit *m) {
    memset(body, 0, FLEET_GEOFENCE_EXIT_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_f64(body + 8, m->x);
    fleet_put_f64(body + 16, m->y);
    fleet_put_f32(body + 24, m->distance_out);
}

/** Encodes a whole geofence_exit frame (FLEET_GEOFENCE_EXIT_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_geofence_exit(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_geofence_exit *m) {
    if (capacity < FLEET_GEOFENCE_EXIT_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_GEOFENCE_EXIT, FLEET_GEOFENCE_EXIT_BODY_SIZE);
    fleet_encode_geofence_exit_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_GEOFENCE_EXIT_BODY_SIZE);
}

/* ---- 38 intervention (referee_event): The referee recorded a human intervention (rulebook A criterion). */

typedef struct fleet_msg_intervention {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint8_t kind;                      /* Kind. enum fleet_intervention_kind. */
    float duration;                    /* Length; 0 for instantaneous kinds. [s] Range 0... */
} fleet_msg_intervention;

/** Writes the 16-byte body of intervention into `body`. */
static inline void fleet_encode_intervention_body(uint8_t *body, const fleet_msg_intervention *m) {
    memset(body, 0, FLEET_INTERVENTION_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u8(body + 8, m->kind);
    fleet_put_f32(body + 12, m->duration);
}

/** Encodes a whole intervention frame (FLEET_INTERVENTION_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_intervention(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_intervention *m) {
    if (capacity < FLEET_INTERVENTION_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_INTERVENTION, FLEET_INTERVENTION_BODY_SIZE);
    fleet_encode_intervention_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_INTERVENTION_BODY_SIZE);
}

/* ---- 39 stain_washed (referee_event): Washed stain area credited to a robot. */

typedef struct fleet_msg_stain_washed {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint32_t stain_id;                 /* Stain id from the arena layout. */
    float area;                        /* Area newly washed by this event. [m2] Range 0... */
} fleet_msg_stain_washed;

/** Writes the 20-byte body of stain_washed into `body`. */
static inline void fleet_encode_stain_washed_body(uint8_t *body, const fleet_msg_stain_washed *m) {
    memset(body, 0, FLEET_STAIN_WASHED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u32(body + 8, m->stain_id);
    fleet_put_f32(body + 12, m->area);
}

/** Encodes a whole stain_washed frame (FLEET_STAIN_WASHED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_stain_washed(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_stain_washed *m) {
    if (capacity < FLEET_STAIN_WASHED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_STAIN_WASHED, FLEET_STAIN_WASHED_BODY_SIZE);
    fleet_encode_stain_washed_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_STAIN_WASHED_BODY_SIZE);
}

/* ---- 40 ramp_climbed (referee_event): A robot climbed the ramp (division P bonus). */

typedef struct fleet_msg_ramp_climbed {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint32_t ramp_id;                  /* Ramp id from the arena layout. */
} fleet_msg_ramp_climbed;

/** Writes the 16-byte body of ramp_climbed into `body`. */
static inline void fleet_encode_ramp_climbed_body(uint8_t *body, const fleet_msg_ramp_climbed *m) {
    memset(body, 0, FLEET_RAMP_CLIMBED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u32(body + 8, m->ramp_id);
}

/** Encodes a whole ramp_climbed frame (FLEET_RAMP_CLIMBED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_ramp_climbed(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_ramp_climbed *m) {
    if (capacity < FLEET_RAMP_CLIMBED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_RAMP_CLIMBED, FLEET_RAMP_CLIMBED_BODY_SIZE);
    fleet_encode_ramp_climbed_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_RAMP_CLIMBED_BODY_SIZE);
}

/* ---- 41 spray_violation (referee_event): A robot sprayed inside a protected zone. */

typedef struct fleet_msg_spray_violation {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    double x;                          /* Where. [m] */
    double y;                          /* Where. [m] */
    uint8_t zone;                      /* Zone kind. enum fleet_zone_kind. */
} fleet_msg_spray_violation;

/** Writes the 32-byte body of spray_violation into `body`. */
static inline void fleet_encode_spray_violation_body(uint8_t *body, const fleet_msg_spray_violation *m) {
    memset(body, 0, FLEET_SPRAY_VIOLATION_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_f64(body + 8, m->x);
    fleet_put_f64(body + 16, m->y);
    fleet_put_u8(body + 24, m->zone);
}

/** Encodes a whole spray_violation frame (FLEET_SPRAY_VIOLATION_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_spray_violation(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_spray_violation *m) {
    if (capacity < FLEET_SPRAY_VIOLATION_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_SPRAY_VIOLATION, FLEET_SPRAY_VIOLATION_BODY_SIZE);
    fleet_encode_spray_violation_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_SPRAY_VIOLATION_BODY_SIZE);
}

/* ---- 42 transfer_dump (referee_event): The arena saw a robot empty its hopper at the transfer point. */

typedef struct fleet_msg_transfer_dump {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    float mass;                        /* Mass emptied. [kg] Range 0... */
    uint16_t items;                    /* Objects emptied. */
} fleet_msg_transfer_dump;

/** Writes the 16-byte body of transfer_dump into `body`. */
static inline void fleet_encode_transfer_dump_body(uint8_t *body, const fleet_msg_transfer_dump *m) {
    memset(body, 0, FLEET_TRANSFER_DUMP_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_f32(body + 8, m->mass);
    fleet_put_u16(body + 12, m->items);
}

/** Encodes a whole transfer_dump frame (FLEET_TRANSFER_DUMP_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_transfer_dump(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_transfer_dump *m) {
    if (capacity < FLEET_TRANSFER_DUMP_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_TRANSFER_DUMP, FLEET_TRANSFER_DUMP_BODY_SIZE);
    fleet_encode_transfer_dump_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_TRANSFER_DUMP_BODY_SIZE);
}

/* ---- 43 docked (referee_event): A robot docked at its station before the end of the run. */

typedef struct fleet_msg_docked {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
} fleet_msg_docked;

/** Writes the 8-byte body of docked into `body`. */
static inline void fleet_encode_docked_body(uint8_t *body, const fleet_msg_docked *m) {
    memset(body, 0, FLEET_DOCKED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
}

/** Encodes a whole docked frame (FLEET_DOCKED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_docked(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_docked *m) {
    if (capacity < FLEET_DOCKED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_DOCKED, FLEET_DOCKED_BODY_SIZE);
    fleet_encode_docked_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_DOCKED_BODY_SIZE);
}

/* ---- 44 item_placed (referee_event): Division H: the arena saw a litter item placed in a bin. */

typedef struct fleet_msg_item_placed {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint32_t item_id;                  /* Item id. */
    uint32_t bin_id;                   /* Bin id. */
} fleet_msg_item_placed;

/** Writes the 16-byte body of item_placed into `body`. */
static inline void fleet_encode_item_placed_body(uint8_t *body, const fleet_msg_item_placed *m) {
    memset(body, 0, FLEET_ITEM_PLACED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u32(body + 8, m->item_id);
    fleet_put_u32(body + 12, m->bin_id);
}

/** Encodes a whole item_placed frame (FLEET_ITEM_PLACED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_item_placed(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_item_placed *m) {
    if (capacity < FLEET_ITEM_PLACED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_ITEM_PLACED, FLEET_ITEM_PLACED_BODY_SIZE);
    fleet_encode_item_placed_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_ITEM_PLACED_BODY_SIZE);
}

/* ---- 45 bin_delivered (referee_event): Division H: a bin reached the transfer point. */

typedef struct fleet_msg_bin_delivered {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    uint32_t bin_id;                   /* Bin id. */
} fleet_msg_bin_delivered;

/** Writes the 16-byte body of bin_delivered into `body`. */
static inline void fleet_encode_bin_delivered_body(uint8_t *body, const fleet_msg_bin_delivered *m) {
    memset(body, 0, FLEET_BIN_DELIVERED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_u32(body + 8, m->bin_id);
}

/** Encodes a whole bin_delivered frame (FLEET_BIN_DELIVERED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_bin_delivered(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_bin_delivered *m) {
    if (capacity < FLEET_BIN_DELIVERED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_BIN_DELIVERED, FLEET_BIN_DELIVERED_BODY_SIZE);
    fleet_encode_bin_delivered_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_BIN_DELIVERED_BODY_SIZE);
}

/* ---- 46 fall_observed (referee_event): Division H: the referee saw a robot fall. */

typedef struct fleet_msg_fall_observed {
    uint32_t run_id;                   /* Run this event belongs to. */
    uint32_t robot_id;                 /* Robot the event is about (0: the run as a whole). */
    bool unaided_get_up;               /* 1 once the robot got up by itself; sent again when it does. */
} fleet_msg_fall_observed;

/** Writes the 16-byte body of fall_observed into `body`. */
static inline void fleet_encode_fall_observed_body(uint8_t *body, const fleet_msg_fall_observed *m) {
    memset(body, 0, FLEET_FALL_OBSERVED_BODY_SIZE);
    fleet_put_u32(body + 0, m->run_id);
    fleet_put_u32(body + 4, m->robot_id);
    fleet_put_bool(body + 8, m->unaided_get_up);
}

/** Encodes a whole fall_observed frame (FLEET_FALL_OBSERVED_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_fall_observed(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_fall_observed *m) {
    if (capacity < FLEET_FALL_OBSERVED_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_FALL_OBSERVED, FLEET_FALL_OBSERVED_BODY_SIZE);
    fleet_encode_fall_observed_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_FALL_OBSERVED_BODY_SIZE);
}

/* ---- 48 ack (control): Reliable mode, ingester to robot: every frame of this boot epoch from acked_from up to and including acked_through is settled: committed, or rejected for good (the robot stops resending it either way). */

typedef struct fleet_msg_ack {
    uint32_t acked_boot_epoch;         /* Boot epoch the acknowledgement is for. */
    uint32_t acked_through;            /* Highest sequence number of the acknowledged run. */
    uint32_t credit;                   /* Frames the robot may send beyond acked_through. */
    uint32_t acked_from;               /* Lowest sequence number of the acknowledged run: every frame of this boot epoch from acked_from through acked_through is settled (committed, or rejected for good). 0 in an ack that covers the epoch from its start. */
} fleet_msg_ack;

/** Writes the 16-byte body of ack into `body`. */
static inline void fleet_encode_ack_body(uint8_t *body, const fleet_msg_ack *m) {
    memset(body, 0, FLEET_ACK_BODY_SIZE);
    fleet_put_u32(body + 0, m->acked_boot_epoch);
    fleet_put_u32(body + 4, m->acked_through);
    fleet_put_u32(body + 8, m->credit);
    fleet_put_u32(body + 12, m->acked_from);
}

/** Encodes a whole ack frame (FLEET_ACK_FRAME_SIZE bytes) into `out`; returns its
 *  length, or 0 when `capacity` is too small. */
static inline size_t fleet_encode_ack(uint8_t *out, size_t capacity, const fleet_header *h,
                                     const fleet_msg_ack *m) {
    if (capacity < FLEET_ACK_FRAME_SIZE) return 0;
    fleet_encode_header(out, h, FLEET_MSG_ACK, FLEET_ACK_BODY_SIZE);
    fleet_encode_ack_body(out + FLEET_HEADER_SIZE, m);
    return fleet_finish_frame(out, FLEET_HEADER_SIZE + FLEET_ACK_BODY_SIZE);
}

#endif /* FLEET_PROTOCOL_H */
