//! `dlms-cosem`: decode any xDLMS APDU, walk its data (arrays, structures,
//! compact-array rows), read date-times, encode an APDU into a stack buffer.

use dual_protocol_dlms_cosem::apdu::DataNotification;
use dual_protocol_dlms_cosem::apdu::{
    GetDataResult, GetRequest, GetResponse, InvokeIdAndPriority, LongInvokeIdAndPriority,
    NotificationDateTime,
};
use dual_protocol_dlms_cosem::{Apdu, AttributeDescriptor, Data, Decode, Encode, Obis, Sequence};

fn walk(d: &Data<'_>) -> u32 {
    match d {
        Data::Array(s) | Data::Structure(s) => s.iter().fold(1u32, |a, e| a.wrapping_add(walk(&e))),
        Data::CompactArray(c) => c.rows().fold(2u32, |a, r| a.wrapping_add(walk(&r))),
        other => {
            let dt = other
                .as_date_time()
                .and_then(|t| t.to_unix_seconds())
                .unwrap_or(0) as u32;
            dt ^ other.as_integer().unwrap_or(0) as u32
        }
    }
}

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    // A meter receiving a request, or a hub reading a push.
    match Apdu::decode(input) {
        Ok(Apdu::GetRequest(GetRequest::Normal { attribute, .. })) => {
            acc ^= u32::from(attribute.class_id)
        }
        Ok(Apdu::GetResponse(GetResponse::Normal {
            result: GetDataResult::Data { data },
            ..
        })) => acc ^= walk(&data),
        Ok(Apdu::DataNotification(n)) => acc ^= walk(&n.body) ^ n.invoke_id.invoke_id(),
        Ok(a) => acc ^= u32::from(a.tag()),
        Err(e) => acc ^= e.offset as u32,
    }
    if let Ok(d) = Data::decode(input) {
        acc ^= walk(&d);
    }
    // A meter answering: a get-response and a push, encoded on the stack.
    let regs = [
        Data::OctetString(&[1, 0, 1, 8, 0, 255]),
        Data::DoubleLongUnsigned(acc),
        Data::Integer(-1),
    ];
    let body = Data::Structure(Sequence::from_items(&regs));
    let mut out = [0u8; 64];
    let push = Apdu::DataNotification(DataNotification {
        invoke_id: LongInvokeIdAndPriority(0x4000_0001),
        date_time: NotificationDateTime::ABSENT,
        body,
    });
    acc ^= push.encode(&mut out).unwrap_or(0) as u32;
    let req = Apdu::GetRequest(GetRequest::Normal {
        invoke_id: InvokeIdAndPriority::new(1, true, true),
        attribute: AttributeDescriptor {
            class_id: 8,
            instance_id: Obis::CLOCK,
            attribute_id: 2,
        },
        access: None,
    });
    acc ^= req.encode(&mut out).unwrap_or(0) as u32;
    acc ^ u32::from(out.first().copied().unwrap_or(0))
}
