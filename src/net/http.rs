//! A small HTTP/1.1 client with hard limits, used for `HEAD` over the captured TLS connection,
//! plain-HTTP reachability checks, AIA fetches and proxy replies.
//!
//! It reads the response head byte by byte (so nothing after it is consumed: a CONNECT reply is
//! followed by TLS), parses it with `httparse` (the parser hyper uses) and dates with `httpdate`,
//! caps head and body sizes and the number of headers, and decodes `Content-Length`, chunked and
//! read-to-close bodies. Timeouts are applied by callers around each exchange.

use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest response head accepted.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// The most headers accepted.
pub(crate) const MAX_HEADERS: usize = 100;

/// Why an HTTP exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer closed before a complete response.
    #[error("connection closed after {0} bytes of response")]
    Closed(usize),
    /// Reading or writing failed (said in the message: findings show one line, and an error
    /// chain must not say it twice, so it is no `source`).
    #[error("i/o error: {0}")]
    Io(std::io::Error),
    /// The response is not HTTP/1.x.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// A body or head exceeds its limit.
    #[error("response larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

/// A response head (and body, for requests that read one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The status line as sent (sanitised by renderers).
    pub status_line: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (empty for `HEAD` and head-only reads).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every header of that name (case-insensitive).
    pub(crate) fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The `Date` header as an instant, if present and well formed.
    pub fn date(&self) -> Option<OffsetDateTime> {
        parse_http_date(self.header("date")?)
    }

    /// The `Date` header as sent, when it is present but not a valid HTTP date.
    pub(crate) fn invalid_date(&self) -> Option<&str> {
        self.header("date")
            .filter(|text| parse_http_date(text).is_none())
    }
}

/// Whether a request reads a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`: the body is read, up to the limit.
    Get,
    /// `HEAD`: no body.
    Head,
    /// `POST`: a body is sent and the response body read, up to the limit.
    Post,
}

/// A request body and its media type.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    /// The `Content-Type`.
    pub content_type: &'a str,
    /// The bytes.
    pub bytes: &'a [u8],
}

/// Sends one request without a body (`Connection: close`) and reads the response.
pub async fn request<S>(
    stream: &mut S,
    method: Method,
    request_target: &str,
    host: &str,
    max_body: usize,
) -> Result<Response, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    send(stream, method, request_target, host, None, max_body).await
}

/// Sends one request, with `body` if given (`Connection: close`), and reads the response.
pub async fn send<S>(
    stream: &mut S,
    method: Method,
    request_target: &str,
    host: &str,
    body: Option<Body<'_>>,
    max_body: usize,
) -> Result<Response, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let verb = match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
    };
    let body_headers = body
        .map(|body| {
            format!(
                "Content-Type: {}\r\nContent-Length: {}\r\n",
                body.content_type,
                body.bytes.len()
            )
        })
        .unwrap_or_default();
    let request = format!(
        "{verb} {request_target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tlsinspect/{}\r\n\
         Accept: */*\r\n{body_headers}Connection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(request.as_bytes()).await?;
    if let Some(body) = body {
        stream.write_all(body.bytes).await?;
    }
    stream.flush().await?;
    let mut response = read_head(stream).await?;
    let has_body = method != Method::Head
        && response.status >= 200
        && response.status != 204
        && response.status != 304;
    if has_body {
        response.body = read_body(stream, &response, max_body).await?;
    }
    Ok(response)
}

/// Reads a response head, one byte at a time, without consuming anything after it.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Response, Error> {
    let mut head = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() >= MAX_HEAD {
            return Err(Error::TooLarge { limit: MAX_HEAD });
        }
        if stream.read(&mut byte).await? == 0 {
            return Err(Error::Closed(head.len()));
        }
        head.push(byte[0]);
    }
    parse_head(&head)
}

/// Parses a complete response head (status line and headers, up to the blank line).
pub(crate) fn parse_head(head: &[u8]) -> Result<Response, Error> {
    let mut storage = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut storage);
    let status_line =
        String::from_utf8_lossy(head.split(|b| *b == b'\n').next().unwrap_or_default())
            .trim_end()
            .to_owned();
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(Error::Malformed(
                "the response head is incomplete".to_owned(),
            ));
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Error::Malformed(format!("more than {MAX_HEADERS} headers")));
        }
        Err(error) => {
            return Err(Error::Malformed(format!(
                "not an HTTP/1.x response ({error}): {status_line:.80}"
            )));
        }
    }
    let status = parsed
        .code
        .filter(|code| (100..1000).contains(code))
        .ok_or_else(|| Error::Malformed(format!("bad status code in {status_line:.80}")))?;
    let headers = parsed
        .headers
        .iter()
        .map(|header| {
            (
                header.name.to_owned(),
                String::from_utf8_lossy(header.value).trim().to_owned(),
            )
        })
        .collect();
    Ok(Response {
        status,
        status_line,
        headers,
        body: Vec::new(),
    })
}

async fn read_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    response: &Response,
    max_body: usize,
) -> Result<Vec<u8>, Error> {
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return read_chunked(stream, max_body).await;
    }
    if let Some(length) = response.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| Error::Malformed(format!("bad Content-Length {length:.40}")))?;
        if length > max_body {
            return Err(Error::TooLarge { limit: max_body });
        }
        let mut body = vec![0; length];
        stream
            .read_exact(&mut body)
            .await
            .map_err(|_| Error::Closed(length))?;
        return Ok(body);
    }
    read_capped(stream, max_body).await
}

async fn read_capped<S: AsyncRead + Unpin>(
    stream: &mut S,
    max_body: usize,
) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(body);
        }
        if body.len() + read > max_body {
            return Err(Error::TooLarge { limit: max_body });
        }
        body.extend_from_slice(&buffer[..read]);
    }
}

async fn read_chunked<S: AsyncRead + Unpin>(
    stream: &mut S,
    max_body: usize,
) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    loop {
        let line = read_line(stream).await?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| Error::Malformed(format!("bad chunk size {size_text:.20}")))?;
        if size == 0 {
            return Ok(body);
        }
        if body.len().saturating_add(size) > max_body {
            return Err(Error::TooLarge { limit: max_body });
        }
        let start = body.len();
        body.resize(start + size, 0);
        stream
            .read_exact(&mut body[start..])
            .await
            .map_err(|_| Error::Closed(start))?;
        read_line(stream).await?;
    }
}

async fn read_line<S: AsyncRead + Unpin>(stream: &mut S) -> Result<String, Error> {
    const MAX_LINE: usize = 1024;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        if line.len() >= MAX_LINE {
            return Err(Error::TooLarge { limit: MAX_LINE });
        }
        if stream.read(&mut byte).await? == 0 {
            return Err(Error::Closed(line.len()));
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).trim().to_owned())
}

/// Parses an HTTP date (RFC 9110 §5.6.7: IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the
/// obsolete RFC 850 and asctime forms recipients must accept).
pub(crate) fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    httpdate::parse_http_date(text.trim())
        .ok()
        .map(OffsetDateTime::from)
}

/// Formats an instant as an IMF-fixdate.
pub(crate) fn format_http_date(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exchange(reply: &[u8], method: Method, max_body: usize) -> Result<Response, Error> {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let reply = reply.to_vec();
        let peer = tokio::spawn(async move {
            let mut request = Vec::new();
            let mut buffer = [0u8; 256];
            while !request.ends_with(b"\r\n\r\n") {
                match server.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let _ = server.write_all(&reply).await;
        });
        let response = request(&mut client, method, "/", "example.test", max_body).await;
        peer.await.unwrap();
        response
    }

    #[tokio::test]
    async fn bodies_are_read_by_length_chunks_or_close() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", b"abc"),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\n\r\n", b"abc"),
            (b"HTTP/1.0 200 OK\r\n\r\nabc", b"abc"),
        ];
        for (reply, body) in cases {
            let response = exchange(reply, Method::Get, 100).await.unwrap();
            assert_eq!(response.body, *body);
        }
    }

    #[tokio::test]
    async fn limits_and_garbage_are_errors() {
        let too_long = exchange(
            b"HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n",
            Method::Get,
            100,
        );
        assert!(matches!(
            too_long.await,
            Err(Error::TooLarge { limit: 100 })
        ));
        let drip = exchange(&[b'a'; 200], Method::Get, 100).await;
        assert!(matches!(
            drip,
            Err(Error::Malformed(_)) | Err(Error::Closed(_))
        ));
        let html = exchange(b"<html>hello</html>\r\n\r\n", Method::Get, 100).await;
        assert!(matches!(html, Err(Error::Malformed(_))));
        let huge_head = [b"HTTP/1.1 200 OK\r\nX: ".as_slice(), &[b'a'; MAX_HEAD]].concat();
        assert!(matches!(
            exchange(&huge_head, Method::Head, 0).await,
            Err(Error::TooLarge { .. })
        ));
        let closed = exchange(b"HTTP/1.1 200 OK\r\n", Method::Head, 0).await;
        assert!(matches!(closed, Err(Error::Closed(_))));
    }

    #[tokio::test]
    async fn head_requests_keep_date_and_skip_the_body() {
        let reply = b"HTTP/1.1 404 Not Found\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n";
        let response = exchange(reply, Method::Head, 0).await.unwrap();
        assert_eq!(response.status, 404);
        assert_eq!(response.date().unwrap().unix_timestamp(), 784_111_777);
        assert_eq!(
            format_http_date(response.date().unwrap()),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }

    #[test]
    fn http_dates_parse_in_the_three_forms_recipients_accept() {
        // RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            let at = parse_http_date(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(at.unix_timestamp(), 784_111_777, "{text}");
        }
        for bad in ["", "yesterday", "Sun, 32 Nov 1994 08:49:37 GMT"] {
            assert!(parse_http_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn heads_are_parsed_with_their_limits() {
        let ok = parse_head(b"HTTP/1.1 200 OK\r\nDate: x\r\nServer: y\r\n\r\n").unwrap();
        assert_eq!((ok.status, ok.headers.len()), (200, 2));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        let too_many = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        assert!(parse_head(too_many.as_bytes()).is_err());
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 abc\r\n\r\n",
            b"\r\n\r\n",
        ] {
            assert!(parse_head(bad).is_err());
        }
    }
}
